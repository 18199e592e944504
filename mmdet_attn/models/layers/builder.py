"""Look up and build the attention layers of this package by type name.

The registry (MMDetection's ``MODELS``) is the one list of attention types:
a type is an attention layer of this package when its class mixes in
:class:`~mmdet_attn.models.layers.AttentionMapMixin`.
"""
from typing import List, Optional, Union

import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import OptConfigType

from .base import AttentionMapMixin


def _is_attention_layer(cls: object, gated: Optional[bool]) -> bool:
    """Whether ``cls`` is an attention layer class, gated by a second input
    map when ``gated`` is True, not gated when False, either when None."""
    return (isinstance(cls, type) and issubclass(cls, AttentionMapMixin)
            and (gated is None or cls.takes_gating_map == gated))


def attention_types(gated: Optional[bool] = None) -> List[str]:
    """Type names of the attention layers registered in ``MODELS``.

    Args:
        gated (bool, optional): True: only the layers that take a gating
            map (``forward(x, g)``); False: only those that take one input
            (block plugins); None: all. Defaults to None.

    Returns:
        list[str]: The names, in registration order.

    Example:
        >>> import mmdet_attn  # noqa: F401
        >>> attention_types(gated=True)
        ['AttentionGate']
    """
    return [
        name for name, cls in MODELS.module_dict.items()
        if _is_attention_layer(cls, gated)
    ]


def attention_class(layer_type: Union[str, type, None],
                    gated: Optional[bool] = None) -> type:
    """The attention layer class registered as ``layer_type``.

    Args:
        layer_type (str | type): A registered name (``'ECA'``,
            ``'mmdet.ECA'``) or the class itself.
        gated (bool, optional): Require a layer that takes a gating map
            (True) or one input (False); None accepts both. Defaults to
            None.

    Returns:
        type: The class.

    Raises:
        KeyError: When ``layer_type`` is not in ``MODELS`` or is not such an
            attention layer; the message lists the types that are.

    Example:
        >>> import mmdet_attn  # noqa: F401
        >>> attention_class('SE').__name__
        'SE'
    """
    cls = MODELS.get(layer_type) if isinstance(layer_type,
                                               str) else (layer_type)
    if _is_attention_layer(cls, gated):
        return cls
    if cls is None:
        why = f'not in the {MODELS.scope}::{MODELS.name} registry'
    elif not _is_attention_layer(cls, None):
        why = 'not an attention layer'
    else:
        why = 'it takes a gating map' if gated is False else (
            'it takes one input')
    kind = {None: '', True: ' with a gating map', False: ' with one input'}
    raise KeyError(f'Unknown attention type {layer_type!r} ({why}); the '
                   f'registered attention types{kind[gated]} are '
                   f'{", ".join(attention_types(gated))}')


def with_backbone_norm(cfg: dict, norm_cfg: OptConfigType) -> dict:
    """``cfg`` with each default norm of its layer set to the backbone's.

    The arguments set are the layer class's ``backbone_norm_args``; one
    that ``cfg`` already sets is kept (the user's choice wins).

    Args:
        cfg (dict): An attention layer config with its ``type``.
        norm_cfg (dict, optional): The enclosing backbone's ``norm_cfg``.

    Returns:
        dict: A copy of ``cfg``.

    Raises:
        KeyError: When ``cfg['type']`` is not an attention type.

    Example:
        >>> import mmdet_attn  # noqa: F401
        >>> cfg = with_backbone_norm(dict(type='AttentionGate'),
        ...                          dict(type='SyncBN'))
        >>> cfg['norm_cfg']
        {'type': 'SyncBN'}
    """
    cfg = dict(cfg)
    for arg in attention_class(cfg.get('type')).backbone_norm_args:
        cfg.setdefault(arg, norm_cfg)
    return cfg


def build_attention(cfg: dict,
                    in_channels: int,
                    gated: Optional[bool] = None) -> nn.Module:
    """Build the attention layer ``cfg['type']`` for ``in_channels``.

    Args:
        cfg (dict): ``type`` and the layer's other arguments;
            ``in_channels``, if set, must equal the argument.
        in_channels (int): Channels of the map the layer attends to.
        gated (bool, optional): As in :func:`attention_class`.

    Returns:
        nn.Module: The layer.

    Raises:
        KeyError: When ``type`` is missing or not an attention type; the
            message lists them.
        ValueError: When ``cfg`` holds another ``in_channels``.

    Example:
        >>> import mmdet_attn  # noqa: F401
        >>> eca = build_attention(dict(type='ECA'), in_channels=256)
        >>> eca.kernel_size
        5
    """
    if not isinstance(cfg, dict):
        raise TypeError(f'cfg must be a dict, got {type(cfg).__name__}')
    args = dict(cfg)
    layer_type = args.pop('type', None)
    attention_cls = attention_class(layer_type, gated)
    if args.setdefault('in_channels', in_channels) != in_channels:
        raise ValueError(
            f'{layer_type}: cfg has in_channels={args["in_channels"]} but '
            f'build_attention was called with in_channels={in_channels}')
    return attention_cls(**args)
