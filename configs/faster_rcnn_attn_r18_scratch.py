# Faster R-CNN with the ECA + Attention-Gate ResNet-18, trained from scratch
# on COCO: MMDetection's scratch recipe (Group Norm in the backbone, its
# attention layers, the FPN and a 4conv1fc box head; 6x schedule, 73
# epochs), for users without ImageNet weights.
_base_ = [
    'mmdet::scratch/faster-rcnn_r50-scratch_fpn_gn-all_6x_coco.py',
    './_base_/backbones/attn_r18.py'
]

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(
    backbone=_base_.attn_r18, neck=dict(in_channels=[64, 128, 256, 512]))
