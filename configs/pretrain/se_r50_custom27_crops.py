# SE-ResNet-50 as a classifier of the synthetic set's object crops, trained
# as a whole, SE in its ordinary form (as faster_rcnn_se_r50_custom27.py
# builds it): the second arm of the pretrained-regime study
# (research/pretrained_study.py), attention pretrained with its trunk. The
# recipe and seed are its plain twin's (r50_custom27_crops.py).
_base_ = ['./r50_custom27_crops.py', '../_base_/backbones/se_r50.py']

model = dict(backbone=dict(_base_.se_r50, _delete_=True))
