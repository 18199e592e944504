# ECA-ResNet-50 + FPN on the tree crowns: the backbone of
# faster_rcnn_eca_r50.py (plain ImageNet ResNet-50 trunk, every ECA
# starting as the identity).
_base_ = './faster_rcnn_r50_trees.py'

model = dict(
    backbone=dict(
        type='AttentionResNet', attention=dict(type='ECA',
                                               identity_init=True)))
