# Faster R-CNN, Attention-92 (Residual Attention Network, Wang et al. CVPR
# 2017) + FPN, COCO, 1x schedule, from the backbone.* weights of
# configs/pretrain/ran92_in1k.py.
_base_ = ['./faster_rcnn_r18.py', './_base_/backbones/ran92.py']

model = dict(
    backbone=dict(_base_.ran92_imagenet, _delete_=True),
    neck=dict(in_channels=[256, 512, 1024, 2048]))
