# Faster R-CNN, Attention-92 (Residual Attention Network, Wang et al. CVPR
# 2017) + FPN, COCO, 1x schedule, from scratch.
_base_ = './faster_rcnn_r18.py'

model = dict(
    backbone=dict(
        _delete_=True, type='ResidualAttentionNet', arch='attention92'),
    neck=dict(in_channels=[256, 512, 1024, 2048]))
