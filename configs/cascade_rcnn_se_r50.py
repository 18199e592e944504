# Cascade R-CNN with SE-ResNet-50 (the backbone of faster_rcnn_se_r50.py) +
# FPN: MMDetection's COCO 1x config with this backbone, from ImageNet weights
# as faster_rcnn_se_r50.py, stage 1's pretrained SE frozen with the stage.
_base_ = [
    'mmdet::cascade_rcnn/cascade-rcnn_r50_fpn_1x_coco.py',
    './_base_/backbones/se_r50.py'
]

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(backbone=_base_.se_r50_imagenet)
