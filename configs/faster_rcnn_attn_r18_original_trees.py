# GatedECAResNet-18 + FPN on the tree crowns in the gate and ECA layout of
# the original Attttttention-ResNet repository: the backbone of
# faster_rcnn_attn_r18_original.py (plain ImageNet ResNet-18 trunk; the
# repository's gates and ECA start as it initialises them, not as the
# identity).
# Unlike there, stage 1 has attention too, trained inside the frozen stage,
# as in the published study (faster_rcnn_r18_trees.py).
_base_ = [
    './faster_rcnn_r18_trees.py', './_base_/backbones/attn_r18_original.py'
]

model = dict(
    backbone=dict(_base_.attn_r18_original_from_r18, **_base_.study_attention))
