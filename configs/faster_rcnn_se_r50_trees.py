# SE-ResNet-50 + FPN on the tree crowns, from the plain ImageNet ResNet-50
# with every SE starting as the identity (faster_rcnn_se_r50.py starts from
# MMPretrain's ImageNet SE-ResNet-50 instead: point
# model.backbone.init_cfg at it to fine-tune that). Stage 1's SE trains
# inside the frozen stage, as in the published study
# (faster_rcnn_r18_trees.py).
_base_ = ['./faster_rcnn_r50_trees.py', './_base_/backbones/se_r50.py']

model = dict(backbone=dict(_base_.se_r50_from_r50, **_base_.study_attention))
