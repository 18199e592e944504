# Faster R-CNN with a ResNet-18 + FPN, MMDetection's way: the trunk starts
# from torchvision's ImageNet ResNet-18 (fetched once into torch's hub
# cache; its key names load into MMDetection's ResNet), the stem and stage 1
# frozen, every BN in eval mode. Without network, give a local copy:
#   --cfg-options model.backbone.init_cfg.checkpoint=/path/to/resnet18.pth
# or train from scratch: --cfg-options model.backbone.init_cfg=None
_base_ = 'mmdet::_base_/models/faster-rcnn_r50_fpn.py'

model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.pytorch.org/models/'
            'resnet18-f37072fd.pth')),
    neck=dict(in_channels=[64, 128, 256, 512]))
