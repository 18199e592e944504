# Faster R-CNN with a ResNet-18 + FPN, trained from scratch by default (no
# network is assumed, so no ImageNet weights are fetched). To start from an
# ImageNet checkpoint, as MMDetection's own configs do:
#   --cfg-options model.backbone.init_cfg.type=Pretrained \
#       model.backbone.init_cfg.checkpoint=/path/to/resnet18.pth \
#       model.backbone.frozen_stages=1 model.backbone.norm_eval=True
_base_ = 'mmdet::_base_/models/faster-rcnn_r50_fpn.py'

model = dict(
    backbone=dict(depth=18, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[64, 128, 256, 512]))
