# ECA-ResNet-50 (Wang et al. CVPR 2020) as an ImageNet-1k classifier,
# trained as a whole.
_base_ = './se_r50_in1k.py'

model = dict(backbone=dict(attention=dict(type='ECA')))
