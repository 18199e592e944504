# Faster R-CNN, Attention-92 (Residual Attention Network, Wang et al. CVPR
# 2017) + FPN, COCO, 1x schedule, from the backbone.* weights of
# configs/pretrain/ran92_in1k.py.
_base_ = './faster_rcnn_ran56.py'

model = dict(
    backbone=dict(
        arch='attention92',
        init_cfg=dict(checkpoint='work_dirs/ran92_in1k/epoch_100.pth')))
