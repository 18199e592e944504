# The ECA + Attention-Gate ResNet-18 (GatedECAResNet) in this package's
# layout: the four stage outputs gated by the deepest one (1x1 gates, a BN
# after psi), then recalibrated by ECA (k from the channels).
attn_r18 = dict(type='GatedECAResNet', depth=18)

# Every gate and ECA starting as the identity: at step 0 the backbone
# computes its ResNet-18 trunk, and the attention learns from there.
attn_r18_identity = dict(
    attn_r18,
    attention_gate=dict(identity_init=True),
    eca=dict(identity_init=True))

# On torchvision's plain ImageNet ResNet-18, every gate and ECA starting as
# the identity: at step 0 the backbone computes the pretrained ResNet-18.
attn_r18_from_r18 = dict(
    attn_r18_identity,
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.pytorch.org/models/'
        'resnet18-f37072fd.pth'))

# Fine-tuned from it as MMDetection does (COCO): stem and stage 1 frozen,
# the trunk's BN in eval mode, and gates and ECA only on stages 2-4, which
# train: on the frozen stage 1 new attention would stay the identity and only
# cost time. The gates' BN is new and trains (attention_norm_eval=False): in
# eval mode it leaves their logits unnormalised and the gates open at 2 or
# shut at 0 within 20 iterations (docs/pretrained_study.md).
attn_r18_imagenet = dict(
    attn_r18_from_r18,
    frozen_stages=1,
    norm_eval=True,
    attention_norm_eval=False,
    stage_with_gate=(False, True, True, True),
    stage_with_eca=(False, True, True, True))
