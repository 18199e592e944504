# GatedECAResNet-18 + FPN on the 27-class dataset in the layout of the
# original Attttttention-ResNet repository: the backbone of
# faster_rcnn_attn_r18_original.py on the CPU-sized baseline.
_base_ = './faster_rcnn_r18_custom27.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='GatedECAResNet',
        depth=18,
        attention_gate=dict(
            kernel_size=3,
            norm_cfg=dict(type='BN'),
            branch_norm_cfg=dict(type='BN'),
            branch_act_cfg=dict(type='ReLU'),
            dropout=0.5,
            align_corners=True),
        eca=dict(kernel_size=3, dropout=0.5)))
