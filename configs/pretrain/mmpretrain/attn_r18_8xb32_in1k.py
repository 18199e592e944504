# The ECA + Attention-Gate ResNet-18 (GatedECAResNet) pretrained with
# MMPretrain's ImageNet ResNet-18 recipe; see ran56_8xb32_in1k.py. Gates and
# ECA in their identity form, as attn_r18_in1k.py.
_base_ = 'mmpretrain::resnet/resnet18_8xb32_in1k.py'

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmdet.GatedECAResNet',
        depth=18,
        attention_gate=dict(identity_init=True),
        eca=dict(identity_init=True),
        out_indices=(3, )),
    head=dict(in_channels=512))
