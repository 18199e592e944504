# GatedECAResNet-18 + FPN on the 27-class dataset (make demo's config): the
# backbone of faster_rcnn_attn_r18.py on the CPU-sized baseline, from
# scratch, every gate and ECA starting as the identity (the network first
# trains as its ResNet-18 trunk; from a random start the gates trailed
# plain ResNet-18 in research/results/custom27_study.md).
_base_ = ['./faster_rcnn_r18_custom27.py', './_base_/backbones/attn_r18.py']

model = dict(backbone=dict(_base_.attn_r18_identity, _delete_=True))
