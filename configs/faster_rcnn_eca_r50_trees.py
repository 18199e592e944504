# ECA-ResNet-50 + FPN on the tree crowns: the backbone of
# faster_rcnn_eca_r50.py (plain ImageNet ResNet-50 trunk, every ECA
# starting as the identity).
# Unlike there, stage 1 has attention too, trained inside the frozen stage,
# as in the published study (faster_rcnn_r18_trees.py).
_base_ = ['./faster_rcnn_r50_trees.py', './_base_/backbones/eca_r50.py']

model = dict(backbone=dict(_base_.eca_r50_from_r50, **_base_.study_attention))
