# Baseline on the 27-class dataset: Faster R-CNN, plain ResNet-18 + FPN,
# from scratch (offline: no ImageNet weights, nothing frozen, BN trained),
# with a CPU-sized RoI side (fewer proposals and sampled RoIs,
# a narrower FPN and box head: on CPU the RoIAlign and box head dominate a
# step) and anchors sized for objects of 8-64 px.
_base_ = [
    './_base_/models/faster_rcnn_r18_fpn.py',
    './_base_/datasets/custom27.py',
    './_base_/schedules/schedule_cpu_demo.py', './_base_/default_runtime.py'
]

fpn_channels = 128
model = dict(
    backbone=dict(frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(out_channels=fpn_channels),
    rpn_head=dict(
        in_channels=fpn_channels,
        feat_channels=fpn_channels,
        anchor_generator=dict(scales=[4])),
    roi_head=dict(
        bbox_roi_extractor=dict(
            roi_layer=dict(sampling_ratio=2), out_channels=fpn_channels),
        bbox_head=dict(
            in_channels=fpn_channels, fc_out_channels=256, num_classes=27)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=600, max_per_img=300),
        rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=600, max_per_img=300)))

default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(max_keep_ckpts=2))
