# Faster R-CNN, CSPMirrorNet53 (the CSPMirrorNet repository's backbone,
# Mish) + FPN, COCO, 1x schedule. No ImageNet weights are published for it:
# pretrain it first (configs/pretrain/cspmirrornet53_in1k.py); the detector
# loads the backbone.* weights of that run's last epoch.
_base_ = './faster_rcnn_r18.py'

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
