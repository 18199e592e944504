# SAM-ResNet-50 (residual form, see faster_rcnn_sam_r50.py) + FPN on the
# 27-class dataset, on the CPU-sized baseline.
_base_ = './faster_rcnn_r50_custom27.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='AttentionResNet',
        depth=50,
        attention=dict(type='SAM', mode='residual')))
