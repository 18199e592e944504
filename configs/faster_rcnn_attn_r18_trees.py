# The ECA + Attention-Gate ResNet-18 + FPN on the tree crowns: the backbone
# of faster_rcnn_attn_r18.py (plain ImageNet ResNet-18 trunk, every gate and
# ECA starting as the identity).
_base_ = './faster_rcnn_r18_trees.py'

model = dict(
    backbone=dict(
        type='GatedECAResNet',
        attention_gate=dict(identity_init=True),
        eca=dict(identity_init=True)))
