# Plain ResNet-18 as a classifier of the synthetic set's object crops: the
# CPU stand-in for its ImageNet weights in the pretrained-regime study
# (research/pretrained_study.py).
_base_ = './_base_/classifier_custom27_crops.py'

model = dict(backbone=dict(type='ResNet', depth=18), in_channels=512)
