# SE-ResNet-50 + FPN on the tree crowns, from the plain ImageNet ResNet-50
# with every SE starting as the identity (faster_rcnn_se_r50.py starts from
# MMPretrain's ImageNet SE-ResNet-50 instead: point
# model.backbone.init_cfg at it to fine-tune that).
_base_ = './faster_rcnn_r50_trees.py'

model = dict(
    backbone=dict(
        type='AttentionResNet', attention=dict(type='SE', identity_init=True)))
