# Baseline: Faster R-CNN, plain ResNet-18 + FPN, COCO, 1x schedule.
_base_ = [
    './_base_/models/faster_rcnn_r18_fpn.py', './_base_/datasets/coco.py',
    'mmdet::_base_/schedules/schedule_1x.py', './_base_/default_runtime.py'
]
