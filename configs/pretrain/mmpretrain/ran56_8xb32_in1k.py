# Attention-56 pretrained with MMPretrain's own ImageNet ResNet-50 recipe
# (mmpretrain::resnet/resnet50_8xb32_in1k.py), for MMPretrain users:
#   mim train mmpretrain THIS_FILE --gpus 8 --launcher pytorch
# MMPretrain imports torchvision, so this runs where torchvision is
# installed (GPU machines); the package's own path,
# configs/pretrain/ran56_in1k.py, runs everywhere. Both write the backbone
# under backbone.*, as ../../faster_rcnn_ran56.py loads it.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmdet.ResidualAttentionNet',
        arch='attention56',
        out_indices=(3, )),
    head=dict(in_channels=2048))
