"""Attention mechanisms, one file each, registered in MMDetection MODELS."""
from .attention_gate import AttentionGate
from .base import AttentionMapMixin
from .builder import ATTENTION_TYPES, build_attention
from .cbam import CBAM
from .eca import ECA, eca_kernel_size
from .mish import Mish
from .non_local import NonLocalBlock
from .sam import SAM
from .se import SE

__all__ = [
    'ATTENTION_TYPES', 'AttentionGate', 'AttentionMapMixin', 'CBAM', 'ECA',
    'Mish', 'NonLocalBlock', 'SAM', 'SE', 'build_attention', 'eca_kernel_size'
]
