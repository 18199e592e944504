# Mask R-CNN with the ECA + Attention-Gate ResNet-18 (GatedECAResNet, the
# backbone of faster_rcnn_attn_r18.py) + FPN: MMDetection's COCO 1x config with
# this backbone, from the plain ImageNet ResNet-18 with identity-initialised
# attention.
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        type='GatedECAResNet',
        depth=18,
        attention_gate=dict(identity_init=True),
        eca=dict(identity_init=True),
        init_cfg=dict(checkpoint='https://download.pytorch.org/models/'
                      'resnet18-f37072fd.pth')),
    neck=dict(in_channels=[64, 128, 256, 512]))
