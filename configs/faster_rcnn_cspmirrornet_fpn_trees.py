# CSPMirrorNet53 + FPN on the tree crowns: the backbone of
# faster_rcnn_cspmirrornet_fpn.py (its own ImageNet pretraining,
# configs/pretrain/cspmirrornet53_in1k.py, loaded from work_dirs/).
_base_ = ['./faster_rcnn_r18_trees.py', './_base_/backbones/cspmirrornet53.py']

model = dict(
    backbone=dict(_base_.cspmirrornet53_imagenet, _delete_=True),
    neck=dict(in_channels=_base_.cspmirrornet53_channels))
