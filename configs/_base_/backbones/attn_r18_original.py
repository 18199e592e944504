# GatedECAResNet-18 in the gate and ECA layout of the original ECA +
# Attention-Gate ResNet repository (Attttttention-ResNet): 3x3 gate convs
# with BN-ReLU and dropout 0.5, a BN after psi, g resized with
# align_corners=True, ECA with k = 3 and dropout 0.5, no identity start
# (docs/fidelity.md). This package's own layout: attn_r18.py.
attn_r18_original = dict(
    type='GatedECAResNet',
    depth=18,
    attention_gate=dict(
        kernel_size=3,
        norm_cfg=dict(type='BN'),
        branch_norm_cfg=dict(type='BN'),
        branch_act_cfg=dict(type='ReLU'),
        dropout=0.5,
        align_corners=True),
    eca=dict(kernel_size=3, dropout=0.5))

# On torchvision's plain ImageNet ResNet-18; the gates and ECA start as the
# repository initialises them.
attn_r18_original_from_r18 = dict(
    attn_r18_original,
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.pytorch.org/models/'
        'resnet18-f37072fd.pth'))

# Fine-tuned from it as MMDetection does (COCO): stem and stage 1 frozen,
# every BN in eval mode, and gates and ECA only on stages 2-4, which train:
# on the frozen stage 1 they would stay as initialised, never learning.
attn_r18_original_imagenet = dict(
    attn_r18_original_from_r18,
    frozen_stages=1,
    norm_eval=True,
    stage_with_gate=(False, True, True, True),
    stage_with_eca=(False, True, True, True))
