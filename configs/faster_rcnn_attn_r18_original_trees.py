# GatedECAResNet-18 + FPN on the tree crowns in the gate and ECA layout of
# the original Attttttention-ResNet repository: the backbone of
# faster_rcnn_attn_r18_original.py (plain ImageNet ResNet-18 trunk; the
# repository's gates and ECA start as it initialises them, not as the
# identity).
_base_ = './faster_rcnn_r18_trees.py'

model = dict(
    backbone=dict(
        type='GatedECAResNet',
        attention_gate=dict(
            kernel_size=3,
            norm_cfg=dict(type='BN'),
            branch_norm_cfg=dict(type='BN'),
            branch_act_cfg=dict(type='ReLU'),
            dropout=0.5,
            align_corners=True),
        eca=dict(kernel_size=3, dropout=0.5)))
