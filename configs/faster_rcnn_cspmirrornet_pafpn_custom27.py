# CSPMirrorNet53 + PAFPN on the 27-class dataset, PAFPN at the CPU-sized
# baseline's fpn_channels.
_base_ = './faster_rcnn_cspmirrornet_fpn_custom27.py'

model = dict(
    neck=dict(
        _delete_=True,
        type='PAFPN',
        in_channels=_base_.cspmirrornet53_channels,
        out_channels=_base_.fpn_channels,
        num_outs=5))
