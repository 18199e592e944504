# Faster R-CNN, CSPMirrorNet53 (the CSPMirrorNet repository's backbone) +
# MMDetection's PAFPN, COCO, 1x schedule, from its ImageNet pretraining.
_base_ = './faster_rcnn_cspmirrornet_fpn.py'

model = dict(
    neck=dict(
        _delete_=True,
        type='PAFPN',
        in_channels=_base_.cspmirrornet53_channels,
        out_channels=256,
        num_outs=5))
