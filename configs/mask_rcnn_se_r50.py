# Mask R-CNN with SE-ResNet-50 (the backbone of faster_rcnn_se_r50.py) + FPN:
# MMDetection's COCO 1x config with this backbone, from ImageNet weights as
# faster_rcnn_se_r50.py.
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        type='AttentionResNet',
        attention=dict(type='SE'),
        init_cfg=dict(
            prefix='backbone.',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'se-resnet/se-resnet50_batch256_imagenet_20200804-ae206104.pth')))
