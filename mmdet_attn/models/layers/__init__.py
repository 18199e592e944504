"""Attention mechanisms, one file each, registered in MMDetection MODELS."""
from .attention_gate import AttentionGate
from .base import AttentionMapMixin
from .builder import (attention_class, attention_types, build_attention,
                      with_backbone_norm)
from .cbam import CBAM
from .eca import ECA, eca_kernel_size
from .mish import Mish
from .non_local import NonLocalBlock
from .sam import SAM, check_sam_start
from .se import SE

#: The attention types registered at import.
ATTENTION_TYPES = tuple(attention_types())

__all__ = [
    'ATTENTION_TYPES', 'AttentionGate', 'AttentionMapMixin', 'CBAM', 'ECA',
    'Mish', 'NonLocalBlock', 'SAM', 'SE', 'attention_class', 'attention_types',
    'build_attention', 'check_sam_start', 'eca_kernel_size',
    'with_backbone_norm'
]
