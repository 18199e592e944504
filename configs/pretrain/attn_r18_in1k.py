# The ECA + Attention-Gate ResNet-18 (GatedECAResNet) as an ImageNet-1k
# classifier, trained as a whole. The classifier reads the last stage only
# (out_indices=(3, )), so only that stage's output gate and ECA are built:
# every parameter trains, as DDP without find_unused_parameters needs; the
# detector starts the output attention of stages 1-3 anew. Gates and ECA in
# their identity form, the form of faster_rcnn_attn_r18.py, which loads
# these weights and starts its new gates as the identity.
_base_ = ['./_base_/classifier.py', '../_base_/backbones/attn_r18.py']

model = dict(
    backbone=dict(_base_.attn_r18_identity, out_indices=(3, )),
    in_channels=512)
