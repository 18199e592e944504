# Attention-56 + FPN on the tree crowns: the backbone of
# faster_rcnn_ran56.py (its own ImageNet pretraining,
# configs/pretrain/ran56_in1k.py, loaded from work_dirs/).
_base_ = './faster_rcnn_r50_trees.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='ResidualAttentionNet',
        arch='attention56',
        frozen_stages=1,
        norm_eval=True,
        init_cfg=dict(
            type='Pretrained',
            prefix='backbone.',
            checkpoint='work_dirs/ran56_in1k/epoch_100.pth')))
