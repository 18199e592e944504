# Faster R-CNN, Attention-56 trained from scratch on COCO: MMDetection's
# scratch recipe (Group Norm everywhere, 6x schedule).
_base_ = [
    'mmdet::scratch/faster-rcnn_r50-scratch_fpn_gn-all_6x_coco.py',
    './_base_/backbones/ran56.py'
]

custom_imports = dict(imports=['mmdet_attn'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        _base_.ran56,
        _delete_=True,
        norm_cfg=dict(type='GN', num_groups=32, requires_grad=True)))
