"""Attention layers by type name: the :class:`AttentionMapMixin` classes of
``MODELS``, gated (a second input) when :class:`AttentionGate`."""
from typing import List, Optional, Union

import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import OptConfigType

from .attention_gate import AttentionGate
from .base import AttentionMapMixin


def _is_attention(cls: object, gated: Optional[bool] = None) -> bool:
    """Whether ``cls`` is an attention layer class, gated as asked."""
    return (isinstance(cls, type) and issubclass(cls, AttentionMapMixin)
            and gated in (None, issubclass(cls, AttentionGate)))


def attention_types(gated: Optional[bool] = None) -> List[str]:
    """Names of the attention types in registration order: gated ones
    (``gated=True``), single-input ones (False, block plugins) or all."""
    return [
        name for name, cls in MODELS.module_dict.items()
        if _is_attention(cls, gated)
    ]


def attention_class(layer_type: Union[str, type, None],
                    gated: Optional[bool] = None) -> type:
    """The attention layer class ``layer_type`` (a registered name or the
    class), gated or not as ``gated`` asks (None: either); else a KeyError
    that lists the types."""
    cls = MODELS.get(layer_type) if isinstance(layer_type, str) else layer_type
    if _is_attention(cls, gated):
        return cls
    if cls is None:
        why = f'not in the {MODELS.scope}::{MODELS.name} registry'
    elif not _is_attention(cls):
        why = 'not an attention layer'
    else:
        why = 'it takes one input' if gated else 'it takes a gating map'
    which = {None: '', True: ' with a gating map', False: ' with one input'}
    raise KeyError(f'Unknown attention type {layer_type!r} ({why}); the '
                   f'registered attention types{which[gated]} are '
                   f'{", ".join(attention_types(gated))}')


def with_backbone_norm(cfg: dict, norm_cfg: OptConfigType) -> dict:
    """A copy of the attention config ``cfg`` whose norms are the backbone's
    ``norm_cfg``: each ``*norm_cfg`` argument it switches on (a dict), and
    an :class:`AttentionGate`'s ``norm_cfg``, on by default."""
    cfg = dict(cfg)
    if issubclass(attention_class(cfg.get('type')), AttentionGate):
        cfg.setdefault('norm_cfg', norm_cfg)
    if norm_cfg is not None:
        cfg.update({
            key: dict(norm_cfg)
            for key, value in cfg.items()
            if key.endswith('norm_cfg') and isinstance(value, dict)
        })
    return cfg


def build_attention(cfg: dict,
                    in_channels: int,
                    gated: Optional[bool] = None) -> nn.Module:
    """Build the attention layer ``cfg['type']`` for ``in_channels``.

    Args:
        cfg (dict): ``type`` and the layer's other arguments.
        in_channels (int): Channels of the map the layer attends to.
        gated (bool, optional): As in :func:`attention_class`.

    Returns:
        nn.Module: The layer.
    """
    args = dict(cfg)
    cls = attention_class(args.pop('type', None), gated)
    if args.setdefault('in_channels', in_channels) != in_channels:
        raise ValueError(
            f'{cls.__name__}: cfg has in_channels={args["in_channels"]} but '
            f'build_attention was called with in_channels={in_channels}')
    return cls(**args)
