# ResNet-50-D (deep 32-32-64 stem and average-pool shortcuts: MMDetection's
# ResNetV1d arguments) as an AttentionResNet without attention: the trunk of
# the faster_rcnn_*_r*d_timm.py configs, whose `attention=` makes its ECA
# and SE twins.
r50d = dict(type='AttentionResNet', depth=50, deep_stem=True, avg_down=True)

# From timm's ImageNet resnet50d (Hugging Face hub, timm/resnet50d.ra2_in1k,
# Apache-2.0): `timm://TAG` fetches the hub file once into torch's hub cache
# and converts it on load.
r50d_timm = dict(
    r50d,
    init_cfg=dict(type='Pretrained', checkpoint='timm://resnet50d.ra2_in1k'))
