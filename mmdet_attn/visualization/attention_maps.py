"""Attention maps of a detector, collected by module and put in image space.

Every attention layer of this package (``ECA``, ``AttentionGate``, ``SE``,
``CBAM``, ``SAM``, ``NonLocalBlock`` and the Residual Attention Network's
``AttentionModule``) mixes in
:class:`~mmdet_attn.models.layers.AttentionMapMixin`: with
``keep_attention_map = True`` a forward pass leaves its last map, detached,
in ``attention_map``. :func:`keep_attention_maps` switches that on for a
whole model, :func:`collect_attention_maps` reads the maps back, named by
module path (``backbone.layer1.0.cbam``), and :func:`grid_to_image` resizes
a map from its feature grid to the original image.

What each layer keeps, for one image, and what is collected:

- ``AttentionGate``: ``alpha``, ``1 x H x W`` -> one spatial map.
- ``CBAM``: the spatial gate ``M_s``, ``1 x H x W`` -> a spatial map, and
  the channel gate ``M_c`` (``channel_attention_map``, ``C x 1 x 1``) -> a
  channel-weights vector under the same name.
- ``ECA``, ``SE``: the sigmoid weights, ``C x 1 x 1`` -> channel weights.
- ``SAM``: the multiplier ``y`` or ``1 + y``, ``C x 1 x 1`` -> channel
  weights. SAM has no sigmoid, so these are **not** bounded to [0, 1].
- Residual Attention Network soft masks ``M``, ``C x H x W`` in (0, 1) ->
  one spatial map, the **mean over the C channels** (each channel has its
  own mask; the mean says where the module lets features through overall).
- ``NonLocalBlock``: not collected. Its kept map is the ``HW x HW``
  pairwise weights, quadratic in the number of positions (gigabytes at
  detection sizes), and it is no single "where" map: every position has its
  own distribution over all others. :func:`keep_attention_maps` leaves it
  switched off.

Maps are not renormalised: a sigmoid gate's values stay the gate's values,
in [0, 1].
"""
import contextlib
from dataclasses import dataclass
from typing import Iterator, List, Sequence, Tuple

import numpy as np
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from ..models.layers import AttentionMapMixin, NonLocalBlock

SPATIAL = 'spatial'
CHANNEL = 'channel'


@dataclass
class AttentionMap:
    """One attention map of one image, as collected from a layer.

    Attributes:
        name (str): Module path of the layer in the model, e.g.
            ``'backbone.layer1_attention.gate'``.
        layer_type (str): Class name of the layer, e.g. ``'CBAM'``.
        kind (str): ``'spatial'`` (``data`` is an ``h x w`` feature-grid
            map) or ``'channel'`` (``data`` holds ``C`` channel weights).
        data (Tensor): The map, float32 on the CPU: ``h x w`` or ``C``.
        kept_shape (tuple[int]): Shape of the map the layer kept for this
            image (``C x h x w``), before any reduction.
        note (str): How ``data`` was derived from the kept map, e.g.
            ``'mean over 256 channels'``; empty when taken as kept.
    """

    name: str
    layer_type: str
    kind: str
    data: Tensor
    kept_shape: Tuple[int, ...]
    note: str = ''


def attention_layers(model: nn.Module) -> List[Tuple[str, nn.Module]]:
    """Every attention layer of ``model`` whose map can be collected.

    Args:
        model (nn.Module): Any model, e.g. a detector.

    Returns:
        list[tuple[str, nn.Module]]: ``(module path, layer)`` in module
        registration order; ``NonLocalBlock`` layers are left out (see the
        module docstring).
    """
    return [(name, module) for name, module in model.named_modules()
            if isinstance(module, AttentionMapMixin)
            and not isinstance(module, NonLocalBlock)]


@contextlib.contextmanager
def keep_attention_maps(model: nn.Module) -> Iterator[List[str]]:
    """Make every collectable attention layer of ``model`` keep its map.

    On exit each layer gets its own ``keep_attention_map`` back, and the
    maps of the layers that were not keeping them before are dropped, so
    read them (:func:`collect_attention_maps`) inside the ``with`` block.

    Args:
        model (nn.Module): Any model, e.g. a detector.

    Yields:
        list[str]: Module paths of the layers switched on; empty when the
        model has no attention layer of this package.
    """
    layers = attention_layers(model)
    before = [module.keep_attention_map for _, module in layers]
    for _, module in layers:
        module.keep_attention_map = True
    try:
        yield [name for name, _ in layers]
    finally:
        for (_, module), kept in zip(layers, before):
            module.keep_attention_map = kept
            if not kept:
                module.attention_map = None
                if hasattr(module, 'channel_attention_map'):
                    module.channel_attention_map = None


def split_attention_map(name: str, layer_type: str,
                        kept: Tensor) -> AttentionMap:
    """Classify one image's kept map by its shape and reduce it to 2-D or
    1-D.

    ``1 x h x w`` is a spatial map; ``C x 1 x 1`` (``C > 1``) channel
    weights; ``C x h x w`` a spatial map averaged over its ``C`` channels
    (the RAN soft mask).

    Args:
        name (str): Module path of the layer, used in the result and errors.
        layer_type (str): Class name of the layer.
        kept (Tensor): The map of one image, ``C x h x w``.

    Returns:
        AttentionMap: The map, float32 on the CPU.
    """
    if kept.dim() != 3:
        raise ValueError(f'{name}: expected a C x H x W attention map per '
                         f'image, got shape {tuple(kept.shape)}')
    kept = kept.detach().float().cpu()
    channels, height, width = kept.shape
    shape = tuple(kept.shape)
    if channels == 1:
        return AttentionMap(name, layer_type, SPATIAL, kept[0], shape)
    if height == width == 1:
        return AttentionMap(name, layer_type, CHANNEL, kept.flatten(), shape)
    return AttentionMap(name, layer_type, SPATIAL, kept.mean(dim=0), shape,
                        f'mean over {channels} channels')


def collect_attention_maps(model: nn.Module,
                           index: int = 0) -> List[AttentionMap]:
    """The maps the attention layers of ``model`` kept in the last forward.

    Call it after a forward inside :func:`keep_attention_maps`. A CBAM
    gives two maps under its name: the spatial gate and the channel gate.

    Args:
        model (nn.Module): The model that ran.
        index (int): Which image of the batch. Defaults to 0.

    Returns:
        list[AttentionMap]: In module registration order; layers that kept
        nothing (not run) are skipped.
    """
    maps = []
    for name, module in attention_layers(model):
        layer_type = type(module).__name__
        kept = [
            module.attention_map,
            getattr(module, 'channel_attention_map', None)
        ]
        maps += [
            split_attention_map(name, layer_type, m[index]) for m in kept
            if m is not None
        ]
    return maps


def grid_to_image(grid: Tensor, batch_input_shape: Sequence[int],
                  img_shape: Sequence[int],
                  ori_shape: Sequence[int]) -> np.ndarray:
    """Bring an ``h x w`` feature-grid map to the original image's pixels.

    A feature grid covers the padded batch input (``batch_input_shape``):
    the map is resized bilinearly to it, cropped to the resized image
    (``img_shape``, the rest is padding), then resized to ``ori_shape``.
    Bilinear resizing only averages neighbours, so values stay in the
    grid's range (a clamp to it removes float rounding): a map in [0, 1]
    stays in [0, 1].

    Args:
        grid (Tensor): ``h x w`` map.
        batch_input_shape (Sequence[int]): ``(H_pad, W_pad)`` of the batch
            input (``batch_input_shape`` of the data sample's metainfo).
        img_shape (Sequence[int]): ``(H, W)`` of the resized image in it.
        ori_shape (Sequence[int]): ``(H, W)`` of the original image.

    Returns:
        np.ndarray: float32 map of shape ``ori_shape[:2]``.
    """
    grid = grid.detach().float().cpu()
    height, width = int(img_shape[0]), int(img_shape[1])
    padded = F.interpolate(
        grid[None, None],
        size=tuple(int(s) for s in batch_input_shape[:2]),
        mode='bilinear',
        align_corners=False)[..., :height, :width]
    out = F.interpolate(
        padded,
        size=(int(ori_shape[0]), int(ori_shape[1])),
        mode='bilinear',
        align_corners=False)[0, 0]
    return out.clamp(grid.min(), grid.max()).numpy()
