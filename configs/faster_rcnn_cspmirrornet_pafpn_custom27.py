# CSPMirrorNet53 + PAFPN on the 27-class dataset: the backbone and neck of
# faster_rcnn_cspmirrornet_pafpn.py on the CPU-sized baseline (PAFPN at the
# base's fpn_channels, 128).
_base_ = './faster_rcnn_r18_custom27.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='CSPMirrorNet',
        arch='csp_mirror_net53',
        gamma=1.0,
        overlap_ratio=0.2,
        out_indices=(1, 2, 3, 4),
        init_cfg=None),
    neck=dict(
        _delete_=True,
        type='PAFPN',
        in_channels=[128, 256, 512, 1024],
        out_channels=128,
        num_outs=5))
