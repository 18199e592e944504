# Faster R-CNN, SE-ResNet-50 trained from scratch on COCO: MMDetection's
# scratch recipe (Group Norm everywhere, 6x schedule). Every attention
# ResNet the same way: --cfg-options model.backbone.attention.type=CBAM
_base_ = [
    'mmdet::scratch/faster-rcnn_r50-scratch_fpn_gn-all_6x_coco.py',
    './_base_/backbones/se_r50.py'
]

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(backbone=_base_.se_r50)
