"""Attention-augmented backbones, one file each."""
from .attention_resnet import (AttentionResNet, PluginBasicBlock,
                               PluginBottleneck)
from .csp_mirror_net import CSPMirrorNet
from .gated_eca_resnet import GatedECAResNet
from .residual_attention_net import ResidualAttentionNet

__all__ = [
    'AttentionResNet', 'CSPMirrorNet', 'GatedECAResNet', 'PluginBasicBlock',
    'PluginBottleneck', 'ResidualAttentionNet'
]
