# Plain ResNet-50 + FPN on the tree crowns, from torchvision's ImageNet
# ResNet-50: the reference of the SE/ECA/CBAM/SAM-ResNet-50, Attention-56
# and CSPMirrorNet53 _trees configs.
_base_ = ['./faster_rcnn_r18_trees.py', './_base_/backbones/r50.py']

model = dict(
    backbone=_base_.r50_imagenet,
    neck=dict(in_channels=[256, 512, 1024, 2048]))
