"""Attention-augmented backbones, one file each."""
from .csp_mirror_net import CSPMirrorNet
from .residual_attention_net import ResidualAttentionNet

__all__ = ['CSPMirrorNet', 'ResidualAttentionNet']
