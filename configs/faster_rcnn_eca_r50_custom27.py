# ECA-ResNet-50 + FPN on the 27-class dataset: the backbone of
# faster_rcnn_eca_r50.py on the CPU-sized baseline.
_base_ = ['./faster_rcnn_r50_custom27.py', './_base_/backbones/eca_r50.py']

model = dict(backbone=dict(_base_.eca_r50, _delete_=True))
