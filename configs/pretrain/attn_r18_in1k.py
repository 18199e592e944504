# The ECA + Attention-Gate ResNet-18 (GatedECAResNet) as an ImageNet-1k
# classifier, trained as a whole. The classifier reads the last stage only,
# so the gates and ECA of stages 1-3 keep their initialisation: for the
# detector, the plain ResNet-18 trunk with identity-initialised attention
# (../faster_rcnn_attn_r18.py) is the usual start.
_base_ = './_base_/classifier.py'

model = dict(backbone=dict(type='GatedECAResNet', depth=18), in_channels=512)
