# CSPMirrorNet53 + FPN on the 27-class dataset: the backbone of
# faster_rcnn_cspmirrornet_fpn.py on the CPU-sized baseline.
_base_ = [
    './faster_rcnn_r18_custom27.py', './_base_/backbones/cspmirrornet53.py'
]

model = dict(
    backbone=dict(_base_.cspmirrornet53, _delete_=True),
    neck=dict(in_channels=_base_.cspmirrornet53_channels))
