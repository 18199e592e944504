# SAM-ResNet-50 + FPN on the tree crowns: the backbone of
# faster_rcnn_sam_r50.py (plain ImageNet ResNet-50 trunk, SAM in its
# residual form, the identity at step 0).
_base_ = './faster_rcnn_r50_trees.py'

model = dict(
    backbone=dict(
        type='AttentionResNet', attention=dict(type='SAM', mode='residual')))
