"""Attention mechanisms, one file each, registered in MMDetection MODELS."""
from .attention_gate import AttentionGate
from .base import AttentionMapMixin
from .builder import (ATTENTION_TYPES, DEFAULT_NORM_ARGS, build_attention,
                      with_backbone_norm)
from .cbam import CBAM
from .eca import ECA, eca_kernel_size
from .mish import Mish
from .non_local import NonLocalBlock
from .sam import SAM, check_sam_start
from .se import SE

__all__ = [
    'ATTENTION_TYPES', 'AttentionGate', 'AttentionMapMixin', 'CBAM',
    'DEFAULT_NORM_ARGS', 'ECA', 'Mish', 'NonLocalBlock', 'SAM', 'SE',
    'build_attention', 'check_sam_start', 'eca_kernel_size',
    'with_backbone_norm'
]
