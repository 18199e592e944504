# CSPMirrorNet53 + FPN on the 27-class dataset: the backbone of
# faster_rcnn_cspmirrornet_fpn.py on the CPU-sized baseline.
_base_ = './faster_rcnn_r18_custom27.py'

model = dict(
    backbone=dict(_delete_=True, type='CSPMirrorNet', arch='csp_mirror_net53'),
    neck=dict(in_channels=[128, 256, 512, 1024]))
