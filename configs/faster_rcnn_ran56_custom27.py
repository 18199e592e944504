# Attention-56 + FPN on the 27-class dataset: the backbone of
# faster_rcnn_ran56.py on the CPU-sized baseline.
_base_ = ['./faster_rcnn_r18_custom27.py', './_base_/backbones/ran56.py']

model = dict(
    backbone=dict(_base_.ran56, _delete_=True),
    neck=dict(in_channels=[256, 512, 1024, 2048]))
