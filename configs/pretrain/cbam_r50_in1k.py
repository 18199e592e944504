# CBAM-ResNet-50 (Woo et al. ECCV 2018) as an ImageNet-1k classifier,
# trained as a whole.
_base_ = './se_r50_in1k.py'

model = dict(backbone=dict(attention=dict(type='CBAM')))
