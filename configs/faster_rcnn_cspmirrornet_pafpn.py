# Faster R-CNN, CSPMirrorNet53 (seed 003, Mish) + MMDetection's PAFPN, COCO,
# 1x schedule, from scratch (init_cfg=None).
_base_ = './faster_rcnn_r18.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='CSPMirrorNet',
        arch='csp_mirror_net53',
        gamma=1.0,
        overlap_ratio=0.2,
        out_indices=(1, 2, 3, 4),
        init_cfg=None),
    neck=dict(
        _delete_=True,
        type='PAFPN',
        in_channels=[128, 256, 512, 1024],
        out_channels=256,
        num_outs=5))
