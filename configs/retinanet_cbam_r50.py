# RetinaNet with CBAM-ResNet-50 (the backbone of faster_rcnn_cbam_r50.py) +
# FPN: MMDetection's COCO 1x config with this backbone, from ImageNet weights
# as faster_rcnn_cbam_r50.py.
_base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        type='AttentionResNet',
        attention=dict(type='CBAM', identity_init=True),
        init_cfg=dict(checkpoint='https://download.pytorch.org/models/'
                      'resnet50-0676ba61.pth')))
