# Cascade R-CNN with the ECA + Attention-Gate ResNet-18 (GatedECAResNet, the
# backbone of faster_rcnn_attn_r18.py) + FPN: MMDetection's COCO 1x config
# with this backbone, from scratch.
_base_ = 'mmdet::cascade_rcnn/cascade-rcnn_r50_fpn_1x_coco.py'

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(
    backbone=dict(_delete_=True, type='GatedECAResNet', depth=18),
    neck=dict(in_channels=[64, 128, 256, 512]))
