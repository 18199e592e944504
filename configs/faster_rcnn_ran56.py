# Faster R-CNN, Attention-56 (Residual Attention Network, Wang et al. CVPR
# 2017) + FPN, COCO, 1x schedule. No ImageNet weights are published for it:
# pretrain it first (configs/pretrain/ran56_in1k.py, docs/pretraining.md);
# the detector loads the backbone.* weights of that run's last epoch from
# the path below.
_base_ = './faster_rcnn_r18.py'

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
            checkpoint='work_dirs/ran56_in1k/epoch_100.pth')),
    neck=dict(in_channels=[256, 512, 1024, 2048]))
