# GatedECAResNet-18 with non-local blocks on stages 3-4 + FPN on the
# 27-class dataset: the backbone of faster_rcnn_attn_r18_nonlocal.py.
_base_ = './faster_rcnn_attn_r18_custom27.py'

model = dict(backbone=dict(non_local=dict(type='NonLocalBlock')))
