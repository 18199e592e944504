# Cascade R-CNN with GatedECAResNet-18 + FPN on the 27-class dataset: the
# backbone of cascade_rcnn_attn_r18.py on the CPU-sized detector.
_base_ = [
    './_base_/models/cascade_rcnn_custom27.py',
    './_base_/backbones/attn_r18.py', './_base_/datasets/custom27.py',
    './_base_/schedules/schedule_cpu_demo.py', './_base_/default_runtime.py'
]

model = dict(
    backbone=dict(_base_.attn_r18, _delete_=True),
    neck=dict(in_channels=[64, 128, 256, 512]))
