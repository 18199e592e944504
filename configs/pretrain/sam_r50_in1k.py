# SAM-ResNet-50 (the Streamlined Attention Module repository's layer, its
# residual form) as an ImageNet-1k classifier, trained as a whole.
_base_ = './se_r50_in1k.py'

model = dict(backbone=dict(attention=dict(type='SAM', mode='residual')))
