# Faster R-CNN, CSPMirrorNet53 + FPN trained from scratch on COCO:
# MMDetection's scratch recipe (Group Norm everywhere, 6x schedule); 16
# groups in the backbone, whose narrowest norms have 16 channels.
_base_ = [
    'mmdet::scratch/faster-rcnn_r50-scratch_fpn_gn-all_6x_coco.py',
    './_base_/backbones/cspmirrornet53.py'
]

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        _base_.cspmirrornet53,
        _delete_=True,
        norm_cfg=dict(type='GN', num_groups=16, requires_grad=True)),
    neck=dict(in_channels=_base_.cspmirrornet53_channels))
