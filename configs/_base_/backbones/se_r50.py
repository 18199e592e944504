# SE-ResNet-50 (Squeeze-and-Excitation, Hu et al. CVPR 2018): SE after the
# last BN of every bottleneck, before the addition.
se_r50 = dict(type='AttentionResNet', depth=50, attention=dict(type='SE'))

# Fine-tuned as MMDetection does (COCO) from MMPretrain's ImageNet
# SE-ResNet-50 (top-1 77.74): its SE layers are named as this package's, so
# the checkpoint loads as it is (tools/model_converters/mmpretrain_seresnet.py
# writes a backbone-only copy). Stem and stage 1 frozen, stage 1's
# pretrained SE layers with it, every BN in eval mode.
se_r50_imagenet = dict(
    se_r50,
    frozen_stages=1,
    norm_eval=True,
    init_cfg=dict(
        type='Pretrained',
        prefix='backbone.',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/'
        'se-resnet/se-resnet50_batch256_imagenet_20200804-ae206104.pth'))

# On torchvision's plain ImageNet ResNet-50 instead, every SE new and
# starting as the identity (_trees).
se_r50_from_r50 = dict(
    se_r50,
    attention=dict(type='SE', identity_init=True),
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.pytorch.org/models/'
        'resnet50-0676ba61.pth'))
