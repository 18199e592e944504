# SAM-ResNet-50 (the Streamlined Attention Module repository's x * W GAP(x)
# after the last BN of every bottleneck, before the addition) in its
# residual form, x * (1 + W GAP(x)) with W = 0 at start: the identity at
# step 0, where the repository's form (mode='faithful') would disturb a
# pretrained trunk.
sam_r50 = dict(
    type='AttentionResNet',
    depth=50,
    attention=dict(type='SAM', mode='residual'))

# On torchvision's plain ImageNet ResNet-50, every SAM new.
sam_r50_from_r50 = dict(
    sam_r50,
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.pytorch.org/models/'
        'resnet50-0676ba61.pth'))

# Fine-tuned from it as MMDetection does (COCO): stem and stage 1 frozen,
# every BN in eval mode, and SAM only in stages 2-4, which train: in the
# frozen stage 1 new attention would stay the identity and only cost time.
sam_r50_imagenet = dict(
    sam_r50_from_r50,
    frozen_stages=1,
    norm_eval=True,
    stage_with_attention=(False, True, True, True))
