# Attention-56 on the 27-class dataset: the backbone and neck of
# faster_rcnn_ran56.py on the CPU-sized baseline (FPN out_channels
# stay at the base's fpn_channels, 128).
_base_ = './faster_rcnn_r18_custom27.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='ResidualAttentionNet',
        arch='attention56',
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[256, 512, 1024, 2048]))
