# Faster R-CNN, plain ResNet-50 + FPN, COCO, 1x schedule, from scratch: the
# reference of the SE/CBAM/SAM/ECA-ResNet-50 configs.
_base_ = './faster_rcnn_r18.py'

model = dict(
    backbone=dict(_delete_=True, type='ResNet', depth=50, norm_eval=False),
    neck=dict(in_channels=[256, 512, 1024, 2048]))
