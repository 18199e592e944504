# The ECA + Attention-Gate ResNet-18 (GatedECAResNet) as a classifier of the
# synthetic set's object crops, trained as a whole, gates and ECA in their
# ordinary form (as faster_rcnn_attn_r18_custom27.py builds them): the second
# arm of the pretrained-regime study (research/pretrained_study.py),
# attention pretrained with its trunk. The recipe and seed are its plain
# twin's (r18_custom27_crops.py). The classifier reads the last stage only
# (out_indices=(3, ), as attn_r18_in1k.py): only that stage's output gate
# and ECA are built and pretrained; the detector starts those of stages 1-3
# anew.
_base_ = ['./r18_custom27_crops.py', '../_base_/backbones/attn_r18.py']

model = dict(backbone=dict(_base_.attn_r18, _delete_=True, out_indices=(3, )))
