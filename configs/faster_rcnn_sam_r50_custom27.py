# SAM-ResNet-50 (residual form, see faster_rcnn_sam_r50.py) + FPN on the
# 27-class dataset, on the CPU-sized baseline.
_base_ = ['./faster_rcnn_r50_custom27.py', './_base_/backbones/sam_r50.py']

model = dict(backbone=dict(_base_.sam_r50, _delete_=True))
