# CBAM-ResNet-50 (any AttentionResNet: set attention.type) pretrained with
# MMPretrain's ImageNet ResNet-50 recipe; see ran56_8xb32_in1k.py.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmdet.AttentionResNet',
        depth=50,
        attention=dict(type='CBAM')),
    head=dict(in_channels=2048))
