# The ECA + Attention-Gate ResNet-18 + FPN on the tree crowns: the backbone
# of faster_rcnn_attn_r18.py (plain ImageNet ResNet-18 trunk, every gate and
# ECA starting as the identity).
# Unlike there, stage 1 has attention too, trained inside the frozen stage,
# as in the published study (faster_rcnn_r18_trees.py).
_base_ = ['./faster_rcnn_r18_trees.py', './_base_/backbones/attn_r18.py']

model = dict(backbone=dict(_base_.attn_r18_from_r18, **_base_.study_attention))
