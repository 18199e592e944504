"""Converters of ImageNet-trained attention ResNets from other code bases
(timm, the ECA-Net and CBAM authors, MMPretrain) into ``AttentionResNet``
weights, and the checkpoint schemes ``timm://``, ``ecanet://``, ``cbam://``
that convert on load (registered at import)."""
from . import cbam_authors, eca_net, mmpretrain_seresnet, timm_resnet
from .common import (read_checkpoint, save_converted, source_cache_path,
                     unwrap_state_dict)
from .schemes import (CONVERTERS, Source, convert_source, load_from_converter,
                      register_schemes, resolve_source)

register_schemes()

__all__ = [
    'cbam_authors', 'eca_net', 'mmpretrain_seresnet', 'timm_resnet',
    'read_checkpoint', 'save_converted', 'source_cache_path',
    'unwrap_state_dict', 'CONVERTERS', 'Source', 'convert_source',
    'load_from_converter', 'register_schemes', 'resolve_source'
]
