# Baseline on the 27-class dataset: Faster R-CNN, plain ResNet-18 + FPN,
# from scratch (offline: no ImageNet weights, nothing frozen, BN trained),
# with the CPU-sized RoI side of _base_/models/faster_rcnn_r18_fpn_cpu.py.
_base_ = [
    './_base_/models/faster_rcnn_r18_fpn_cpu.py',
    './_base_/datasets/custom27.py', './_base_/schedules/schedule_cpu_demo.py',
    './_base_/default_runtime.py'
]

model = dict(
    backbone=dict(frozen_stages=-1, norm_eval=False, init_cfg=None),
    roi_head=dict(bbox_head=dict(num_classes=27)))

default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(max_keep_ckpts=2))
