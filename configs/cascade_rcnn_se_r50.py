# Cascade R-CNN with SE-ResNet-50 (the backbone of faster_rcnn_se_r50.py)
# + FPN: MMDetection's COCO 1x config with this backbone, from scratch.
_base_ = 'mmdet::cascade_rcnn/cascade-rcnn_r50_fpn_1x_coco.py'

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        _delete_=True, type='AttentionResNet', depth=50,
        attention=dict(type='SE')))
