# The ECA + Attention-Gate ResNet-18 (GatedECAResNet) as an ImageNet-1k
# classifier, trained as a whole. The classifier reads the last stage only
# (out_indices=(3, )), so only that stage's output gate and ECA are built:
# every parameter trains, as DDP without find_unused_parameters needs; the
# detector starts the output attention of stages 1-3 anew.
_base_ = './_base_/classifier.py'

model = dict(
    backbone=dict(type='GatedECAResNet', depth=18, out_indices=(3, )),
    in_channels=512)
