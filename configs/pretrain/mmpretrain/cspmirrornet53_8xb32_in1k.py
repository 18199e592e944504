# CSPMirrorNet53 pretrained with MMPretrain's ImageNet ResNet-50 recipe;
# see ran56_8xb32_in1k.py for how and where it runs.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        _delete_=True, type='mmdet.CSPMirrorNet', arch='csp_mirror_net53'),
    head=dict(in_channels=1024))
