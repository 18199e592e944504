# Attention-56 as a classifier of the synthetic set's object crops, trained
# as a whole: the CPU stand-in for ran56_in1k.py in the pretrained-regime
# study (research/pretrained_study.py).
_base_ = './_base_/classifier_custom27_crops.py'

model = dict(
    backbone=dict(
        type='ResidualAttentionNet', arch='attention56', out_indices=(3, )),
    in_channels=2048)
