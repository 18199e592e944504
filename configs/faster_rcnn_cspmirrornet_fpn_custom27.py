# CSPMirrorNet53 + FPN on the 27-class dataset: the backbone and neck of
# faster_rcnn_cspmirrornet_fpn.py on the CPU-sized baseline (FPN out_channels
# stay at the base's fpn_channels, 128).
_base_ = './faster_rcnn_r18_custom27.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='CSPMirrorNet',
        arch='csp_mirror_net53',
        gamma=1.0,
        overlap_ratio=0.2,
        out_indices=(1, 2, 3, 4),
        init_cfg=None),
    neck=dict(in_channels=[128, 256, 512, 1024]))
