# CSPMirrorNet53 as a classifier of the synthetic set's object crops: the
# CPU stand-in for cspmirrornet53_in1k.py in the pretrained-regime study
# (research/pretrained_study.py).
_base_ = './_base_/classifier_custom27_crops.py'

model = dict(
    backbone=dict(type='CSPMirrorNet', arch='csp_mirror_net53'),
    in_channels=1024)
