# SE-ResNet-50 (Hu et al. CVPR 2018) as an ImageNet-1k classifier, trained
# as a whole. MMPretrain publishes these weights already (the SE-ResNet-50
# detector starts from them); this config is for variants of it.
_base_ = './_base_/classifier.py'

model = dict(
    backbone=dict(type='AttentionResNet', depth=50, attention=dict(type='SE')),
    in_channels=2048)
