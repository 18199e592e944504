# Attention-56 + FPN on the tree crowns: the backbone of
# faster_rcnn_ran56.py (its own ImageNet pretraining,
# configs/pretrain/ran56_in1k.py, loaded from work_dirs/).
_base_ = ['./faster_rcnn_r50_trees.py', './_base_/backbones/ran56.py']

model = dict(backbone=dict(_base_.ran56_imagenet, _delete_=True))
