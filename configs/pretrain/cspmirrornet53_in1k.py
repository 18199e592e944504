# CSPMirrorNet53 (the CSPMirrorNet repository's backbone) as an ImageNet-1k
# classifier; its backbone.* weights start ../faster_rcnn_cspmirrornet_*.py.
_base_ = './_base_/classifier.py'

model = dict(
    backbone=dict(type='CSPMirrorNet', arch='csp_mirror_net53'),
    in_channels=1024)
