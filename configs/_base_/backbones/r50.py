# ResNet-50 (MMDetection's ResNet): the plain twin of the SE, ECA, CBAM and
# SAM-ResNet-50s. Each backbone base under _base_/backbones/ names its
# variables after its file, so that a config can inherit a detector base
# and one backbone base (MMEngine allows no key in two bases of a config).

# The architecture, trained from scratch (_custom27).
r50 = dict(type='ResNet', depth=50)

# Fine-tuned as MMDetection does (COCO, _trees): from torchvision's ImageNet
# ResNet-50 (fetched once into torch's hub cache), stem and stage 1 frozen,
# every BN in eval mode.
r50_imagenet = dict(
    r50,
    frozen_stages=1,
    norm_eval=True,
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.pytorch.org/models/'
        'resnet50-0676ba61.pth'))
