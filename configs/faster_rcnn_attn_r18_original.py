# Faster R-CNN with GatedECAResNet-18 + FPN, COCO, 1x schedule, in the gate
# and ECA layout of the original ECA + Attention-Gate ResNet repository
# (Attttttention-ResNet): 3x3 gate convs with BN-ReLU and dropout 0.5, a BN
# after psi, g resized with align_corners=True, ECA with k = 3 and dropout
# 0.5, no identity start (docs/fidelity.md). The package's own layout is
# faster_rcnn_attn_r18.py.
_base_ = './faster_rcnn_r18.py'

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
