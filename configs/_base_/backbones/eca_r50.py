# ECA-ResNet-50 (Wang et al. CVPR 2020): ECA, its kernel size adaptive to
# the channels, after the last BN of every bottleneck, before the addition.
eca_r50 = dict(type='AttentionResNet', depth=50, attention=dict(type='ECA'))

# On torchvision's plain ImageNet ResNet-50, every ECA new and starting as
# the identity: at step 0 the backbone computes the pretrained ResNet-50.
eca_r50_from_r50 = dict(
    eca_r50,
    attention=dict(type='ECA', identity_init=True),
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.pytorch.org/models/'
        'resnet50-0676ba61.pth'))

# Fine-tuned from it as MMDetection does (COCO): stem and stage 1 frozen,
# every BN in eval mode, and ECA only in stages 2-4, which train: in the
# frozen stage 1 new attention would stay the identity and only cost time.
eca_r50_imagenet = dict(
    eca_r50_from_r50,
    frozen_stages=1,
    norm_eval=True,
    stage_with_attention=(False, True, True, True))
