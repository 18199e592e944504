# GatedECAResNet-18 + FPN on the 27-class dataset: the backbone of
# faster_rcnn_attn_r18.py on the CPU-sized baseline.
_base_ = ['./faster_rcnn_r18_custom27.py', './_base_/backbones/attn_r18.py']

model = dict(backbone=dict(_base_.attn_r18, _delete_=True))
