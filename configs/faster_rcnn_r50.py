# Faster R-CNN, plain ResNet-50 + FPN, COCO, 1x schedule, from torchvision's
# ImageNet ResNet-50 (MMDetection's faster-rcnn_r50_fpn_1x_coco with an
# https checkpoint): the reference of the SE/ECA/CBAM/SAM-ResNet-50 configs.
_base_ = ['./faster_rcnn_r18.py', './_base_/backbones/r50.py']

model = dict(
    backbone=_base_.r50_imagenet,
    neck=dict(in_channels=[256, 512, 1024, 2048]))
