# Attention-56 (Residual Attention Network, Wang et al. CVPR 2017) as an
# ImageNet-1k classifier; its backbone.* weights start
# ../faster_rcnn_ran56.py. 8 GPUs: tools/dist_train.sh THIS_FILE 8
# The classifier reads the last stage only (out_indices=(3, )): the output
# norms of stages 1-3 are not built, so every parameter trains.
_base_ = './_base_/classifier.py'

model = dict(
    backbone=dict(
        type='ResidualAttentionNet', arch='attention56', out_indices=(3, )),
    in_channels=2048)
