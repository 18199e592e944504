# Faster R-CNN, CSPMirrorNet53 (the CSPMirrorNet repository's backbone,
# Mish) + FPN, COCO, 1x schedule. No ImageNet weights are published for it:
# pretrain it first (configs/pretrain/cspmirrornet53_in1k.py); the detector
# loads the backbone.* weights of that run's last epoch.
_base_ = ['./faster_rcnn_r18.py', './_base_/backbones/cspmirrornet53.py']

model = dict(
    backbone=dict(_base_.cspmirrornet53_imagenet, _delete_=True),
    neck=dict(in_channels=_base_.cspmirrornet53_channels))
