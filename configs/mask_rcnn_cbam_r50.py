# Mask R-CNN with CBAM-ResNet-50 (the backbone of faster_rcnn_cbam_r50.py) +
# FPN: MMDetection's COCO 1x config with this backbone, from ImageNet weights
# as faster_rcnn_cbam_r50.py: CBAM only in stages 2-4 (in the frozen
# stage 1 new attention would stay the identity).
_base_ = [
    'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py',
    './_base_/backbones/cbam_r50.py'
]

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(backbone=_base_.cbam_r50_imagenet)
