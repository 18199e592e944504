# AttentionNeXt-56 (Residual Attention Network with ResNeXt units, Wang et
# al. CVPR 2017) as an ImageNet-1k classifier.
_base_ = './ran56_in1k.py'

model = dict(backbone=dict(arch='attentionnext56'))
