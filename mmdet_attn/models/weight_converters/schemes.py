"""Checkpoint schemes that convert on load: ``timm://``, ``ecanet://``,
``cbam://``.

With them registered in MMEngine's ``CheckpointLoader`` (``import
mmdet_attn`` does it), a config names the source weights and the loader
reads, converts and returns ``{'state_dict': weights}``::

    init_cfg=dict(type='Pretrained', checkpoint='timm://resnet50d.a1_in1k')
    init_cfg=dict(type='Pretrained', checkpoint='ecanet:///data/eca.tar')
    init_cfg=dict(type='Pretrained', checkpoint='cbam://https://host/c.pth')

A bare timm tag is its Hugging Face hub file; after any scheme, an http(s)
URL is downloaded once into torch's hub cache, a path is read as it is.
"""
import os.path as osp
from types import ModuleType
from typing import Callable, Dict, NamedTuple, Optional

from mmengine.logging import MMLogger
from mmengine.runner import CheckpointLoader

from . import cbam_authors, eca_net, timm_resnet
from .common import Converted, format_cfg, read_checkpoint, unwrap_state_dict

#: Converter module by scheme.
CONVERTERS: Dict[str, ModuleType] = {
    module.SCHEME: module
    for module in (timm_resnet, eca_net, cbam_authors)
}
#: How each scheme finds the weights of what follows it (default: a URL as
#: it is, a path with ``~`` expanded).
_LOCATORS: Dict[str, Callable[[str], str]] = {
    timm_resnet.SCHEME: timm_resnet.locate
}


class Source(NamedTuple):
    """A checkpoint string of a converting scheme, resolved.

    Attributes:
        checkpoint (str): As written (``timm://seresnet50.a1_in1k``).
        converter (ModuleType): The converter module (``SCHEME``,
            ``FAMILY``, ``WHERE``, ``TOOL``, ``convert``).
        location (str): The http(s) URL or local path of the weights.
    """
    checkpoint: str
    converter: ModuleType
    location: str


def resolve_source(checkpoint: str) -> Optional[Source]:
    """Resolve a checkpoint string of a converting scheme, without reading
    or downloading anything.

    Args:
        checkpoint (str): An ``init_cfg`` checkpoint.

    Returns:
        Source or None: None if ``checkpoint`` has none of the schemes.

    Raises:
        ValueError: Nothing follows the scheme, or a timm architecture that
            does not map.

    Example:
        >>> url = resolve_source('timm://seresnet152d.ra2_in1k').location
        >>> url == ('https://huggingface.co/timm/seresnet152d.ra2_in1k/'
        ...         'resolve/main/model.safetensors')
        True
        >>> resolve_source('ecanet://checkpoints/eca.pth.tar').location
        'checkpoints/eca.pth.tar'
        >>> resolve_source('checkpoints/r50.pth') is None
        True
    """
    for scheme, converter in CONVERTERS.items():
        if checkpoint.startswith(scheme):
            rest = checkpoint[len(scheme):]
            if not rest:
                raise ValueError(f'{checkpoint!r}: give a path, an http(s) '
                                 f'URL or a timm tag after {scheme}')
            locate = _LOCATORS.get(scheme, osp.expanduser)
            return Source(checkpoint, converter, locate(rest))
    return None


def convert_source(source: Source) -> Converted:
    """Read (download once if a URL) and convert the weights of ``source``.

    Returns:
        tuple[OrderedDict, dict]: ``AttentionResNet`` weights and the
        config they fill.

    Raises:
        FileNotFoundError: A local file that does not exist.
        ValueError: The weights cannot be read or do not convert.
    """
    state_dict = unwrap_state_dict(read_checkpoint(source.location))
    return source.converter.convert(state_dict)


def load_from_converter(filename: str, map_location=None) -> dict:
    """MMEngine checkpoint loader of the converting schemes.

    Args:
        filename (str): ``timm://...``, ``ecanet://...`` or ``cbam://...``.
        map_location: Unused: the weights are read to the CPU, and MMEngine
            copies them into the model.

    Returns:
        dict: ``{'state_dict': weights}``.

    Raises:
        ValueError: The weights cannot be read or do not convert; the
            message starts with ``filename``.
    """
    try:
        weights, backbone_cfg = convert_source(resolve_source(filename))
    except ValueError as error:
        raise ValueError(f'{filename}: {error}') from error
    MMLogger.get_current_instance().info(
        f'{filename}: {len(weights)} tensors converted for '
        f'{format_cfg(backbone_cfg)}')
    return dict(state_dict=weights)


def register_schemes() -> None:
    """Register :func:`load_from_converter` for every scheme of
    :data:`CONVERTERS` in MMEngine's ``CheckpointLoader``."""
    CheckpointLoader.register_scheme(
        prefixes=tuple(CONVERTERS), loader=load_from_converter, force=True)
