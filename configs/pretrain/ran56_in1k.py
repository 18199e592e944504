# Attention-56 (Residual Attention Network, Wang et al. CVPR 2017) as an
# ImageNet-1k classifier; its backbone.* weights start
# ../faster_rcnn_ran56.py. 8 GPUs: tools/dist_train.sh THIS_FILE 8
_base_ = './_base_/classifier.py'

model = dict(
    backbone=dict(type='ResidualAttentionNet', arch='attention56'),
    in_channels=2048)
