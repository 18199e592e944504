# Faster R-CNN, CSPMirrorNet53 (seed 003, Mish) + FPN, COCO, 1x schedule,
# from scratch.
_base_ = './faster_rcnn_r18.py'

model = dict(
    backbone=dict(
        _delete_=True, type='CSPMirrorNet', arch='csp_mirror_net53'),
    neck=dict(in_channels=[128, 256, 512, 1024]))
