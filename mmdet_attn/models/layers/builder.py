"""Build an attention layer of this library from a config, by type name.

Papers: those of the layers it builds (ECA-Net, Wang et al. CVPR 2020;
Attention U-Net, Oktay et al. MIDL 2018; SE, Hu et al. CVPR 2018; CBAM, Woo
et al. ECCV 2018; SAM, the Streamlined Attention Module
repository; Non-local, Wang et al. CVPR 2018).

The layers are registered in MMDetection's ``MODELS``, so they are also
plain ResNet plugins, e.g. ``plugins=[dict(cfg=dict(type='CBAM'),
position='after_conv3')]`` (MMCV's ``build_plugin_layer`` finds them when the
default scope is ``mmdet``, as in every MMDetection config). This builder is
the friendly path for backbones: it only accepts the types of
:data:`ATTENTION_TYPES` and, for any other, raises an error that lists them.

Shape contract: the one of the layer built. Parameters and FLOPs: 0 here;
see each layer.

Example:
    >>> from mmdet_attn.models.layers import build_attention
    >>> eca = build_attention(dict(type='ECA'), in_channels=256)
    >>> eca.kernel_size
    5
"""
from typing import Dict, Tuple

import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import OptConfigType

#: Type names of the attention layers this package registers in ``MODELS``.
ATTENTION_TYPES: Tuple[str, ...] = ('ECA', 'AttentionGate', 'SE', 'CBAM',
                                    'SAM', 'NonLocalBlock')

#: Per attention type, the arguments naming a norm the layer has by default.
#: Inside a backbone they take the backbone's ``norm_cfg`` (see
#: :func:`with_backbone_norm`). Norms that are off by default (the Attention
#: Gate's ``branch_norm_cfg``, CBAM's ``spatial_norm_cfg``, the non-local
#: block's ``norm_cfg``) are built as the user configures them.
DEFAULT_NORM_ARGS: Dict[str, Tuple[str, ...]] = {
    'AttentionGate': ('norm_cfg', ),
}


def with_backbone_norm(cfg: dict, norm_cfg: OptConfigType) -> dict:
    """``cfg`` with each default norm of its layer set to the backbone's.

    An argument that ``cfg`` already sets is kept: the user's choice for
    that layer wins.

    Args:
        cfg (dict): An attention layer config with its ``type``.
        norm_cfg (dict, optional): The enclosing backbone's ``norm_cfg``.

    Returns:
        dict: A copy of ``cfg`` (``cfg`` itself is not changed).

    Example:
        >>> cfg = with_backbone_norm(dict(type='AttentionGate'),
        ...                          dict(type='SyncBN'))
        >>> cfg['norm_cfg']
        {'type': 'SyncBN'}
    """
    cfg = dict(cfg)
    for arg in DEFAULT_NORM_ARGS.get(cfg.get('type'), ()):
        cfg.setdefault(arg, norm_cfg)
    return cfg


def build_attention(cfg: dict, in_channels: int) -> nn.Module:
    """Build the attention layer ``cfg['type']`` for ``in_channels``.

    Args:
        cfg (dict): ``type`` (one of :data:`ATTENTION_TYPES`) and the
            layer's other arguments, without ``in_channels``.
        in_channels (int): Channels of the map the layer attends to.

    Returns:
        nn.Module: The layer.

    Raises:
        KeyError: When ``type`` is missing or not an attention type of this
            package; the message lists them.
        ValueError: When ``cfg`` also holds an ``in_channels`` that differs
            from the argument.
    """
    if not isinstance(cfg, dict):
        raise TypeError(f'cfg must be a dict, got {type(cfg).__name__}')
    args = dict(cfg)
    layer_type = args.pop('type', None)
    attention_cls = (
        MODELS.get(layer_type) if layer_type in ATTENTION_TYPES else None)
    if attention_cls is None:
        raise KeyError(f'Unknown attention type {layer_type!r}; the '
                       f'registered attention types are '
                       f'{", ".join(ATTENTION_TYPES)}')
    if args.setdefault('in_channels', in_channels) != in_channels:
        raise ValueError(
            f'{layer_type}: cfg has in_channels={args["in_channels"]} but '
            f'build_attention was called with in_channels={in_channels}')
    return attention_cls(**args)
