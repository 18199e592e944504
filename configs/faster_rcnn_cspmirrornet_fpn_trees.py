# CSPMirrorNet53 + FPN on the tree crowns: the backbone of
# faster_rcnn_cspmirrornet_fpn.py (its own ImageNet pretraining,
# configs/pretrain/cspmirrornet53_in1k.py, loaded from work_dirs/).
_base_ = './faster_rcnn_r18_trees.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='CSPMirrorNet',
        arch='csp_mirror_net53',
        frozen_stages=1,
        norm_eval=True,
        init_cfg=dict(
            type='Pretrained',
            prefix='backbone.',
            checkpoint='work_dirs/cspmirrornet53_in1k/epoch_100.pth')),
    neck=dict(in_channels=[128, 256, 512, 1024]))
