# RetinaNet with the ECA + Attention-Gate ResNet-18 (GatedECAResNet, the
# backbone of faster_rcnn_attn_r18.py) + FPN: MMDetection's COCO 1x config with
# this backbone, from the plain ImageNet ResNet-18 with identity-initialised
# attention on stages 2-4 (on the frozen stage 1 it would stay the
# identity).
_base_ = [
    'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py',
    './_base_/backbones/attn_r18.py'
]

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(
    backbone=_base_.attn_r18_imagenet,
    neck=dict(in_channels=[64, 128, 256, 512]))
