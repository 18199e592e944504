# Plain ResNet-50 + FPN on the 27-class dataset (CPU-sized baseline).
_base_ = ['./faster_rcnn_r18_custom27.py', './_base_/backbones/r50.py']

model = dict(
    backbone=dict(_base_.r50, _delete_=True, norm_eval=False),
    neck=dict(in_channels=[256, 512, 1024, 2048]))
