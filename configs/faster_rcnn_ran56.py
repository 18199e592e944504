# Faster R-CNN, Attention-56 (Residual Attention Network, Wang et al. CVPR
# 2017) + FPN, COCO, 1x schedule. No ImageNet weights are published for it:
# pretrain it first (configs/pretrain/ran56_in1k.py, docs/pretraining.md);
# the detector loads the backbone.* weights of that run's last epoch from
# the path below.
_base_ = ['./faster_rcnn_r18.py', './_base_/backbones/ran56.py']

model = dict(
    backbone=dict(_base_.ran56_imagenet, _delete_=True),
    neck=dict(in_channels=[256, 512, 1024, 2048]))
