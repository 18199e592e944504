# GatedECAResNet-18 + FPN on the 27-class dataset: the backbone of
# faster_rcnn_attn_r18.py on the CPU-sized baseline.
_base_ = './faster_rcnn_r18_custom27.py'

model = dict(backbone=dict(_delete_=True, type='GatedECAResNet', depth=18))
