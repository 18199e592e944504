# Attention-92 (Residual Attention Network, Wang et al. CVPR 2017) as an
# ImageNet-1k classifier; its backbone.* weights start
# ../faster_rcnn_ran92.py.
_base_ = './ran56_in1k.py'

model = dict(backbone=dict(arch='attention92'))
