"""Attention maps of a model, captured by forward hooks on its gates.

Every attention layer of this package computes its map with a
:class:`~mmdet_attn.models.layers.base.Gate` submodule;
:func:`capture_attention_maps` hooks every gate of a model, and
:func:`split_attention_map` turns one image's map into a spatial map or a
vector of channel weights; :func:`grid_to_image` brings a spatial map to
the image's pixels.
"""
import contextlib
from dataclasses import dataclass
from typing import Dict, Iterator, List, Sequence, Tuple

import numpy as np
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from ..models.layers.base import Gate

SPATIAL = 'spatial'
CHANNEL = 'channel'


@dataclass
class AttentionMap:
    """One attention map of one image.

    Attributes:
        name (str): Module path of the layer that owns the gate, e.g.
            ``'backbone.layer1.0.cbam.spatial_gate'``.
        layer_type (str): Class name of that layer, e.g. ``'SpatialGate'``.
        kind (str): ``'spatial'`` (``data`` is ``h x w``) or ``'channel'``
            (``data`` holds ``C`` weights).
        data (Tensor): The map, float32 on the CPU.
        kept_shape (tuple[int]): Shape of the gate's output for this image
            (``C x h x w``).
        note (str): How ``data`` was derived from it, e.g. ``'mean over
            256 channels'``; empty when taken as is.
    """

    name: str
    layer_type: str
    kind: str
    data: Tensor
    kept_shape: Tuple[int, ...]
    note: str = ''


@dataclass
class CapturedMap:
    """The last output of one gate.

    Attributes:
        name (str): Module path of the layer that owns the gate.
        layer_type (str): Class name of that layer.
        output (Tensor): The gate's output for the whole batch, detached.
    """

    name: str
    layer_type: str
    output: Tensor


def attention_gates(model: nn.Module) -> List[Tuple[str, str, Gate]]:
    """Every gate of ``model`` with the path and class of its owner.

    Args:
        model (nn.Module): Any model, e.g. a detector.

    Returns:
        list[tuple[str, str, Gate]]: ``(owner path, owner class name,
        gate)`` in module registration order.

    Example:
        >>> from mmdet_attn.models.layers import CBAM
        >>> [n for n, _, _ in attention_gates(CBAM(8))]
        ['channel_gate', 'spatial_gate']
    """
    gates = []
    for name, module in model.named_modules():
        if isinstance(module, Gate):
            owner = name.rpartition('.')[0]
            owner_type = type(model.get_submodule(owner)).__name__
            gates.append((owner, owner_type, module))
    return gates


@contextlib.contextmanager
def capture_attention_maps(
        model: nn.Module) -> Iterator[Dict[str, CapturedMap]]:
    """Record the last output of every gate of ``model`` in the block.

    Args:
        model (nn.Module): Any model, e.g. a detector.

    Yields:
        dict[str, CapturedMap]: Filled by each forward, keyed by the owner's
        path, in the order the gates first ran; the hooks go on exit.

    Example:
        >>> import torch
        >>> from mmdet_attn.models.layers import ECA
        >>> eca = ECA(16)
        >>> with capture_attention_maps(eca) as maps:
        ...     _ = eca(torch.rand(2, 16, 5, 5))
        >>> tuple(maps[''].output.shape)
        (2, 16, 1, 1)
    """
    gates = attention_gates(model)
    maps: Dict[str, CapturedMap] = {}

    def record(owner: str, owner_type: str):

        def hook(module: nn.Module, args: tuple, output: Tensor) -> None:
            maps[owner] = CapturedMap(owner, owner_type, output.detach())

        return hook

    handles = [
        gate.register_forward_hook(record(owner, owner_type))
        for owner, owner_type, gate in gates
    ]
    try:
        yield maps
    finally:
        for handle in handles:
            handle.remove()


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


def collect_attention_maps(maps: Dict[str, CapturedMap],
                           index: int = 0) -> List[AttentionMap]:
    """One image's maps from what :func:`capture_attention_maps` recorded.

    Args:
        maps (dict[str, CapturedMap]): The recorded maps.
        index (int): Which image of the batch. Defaults to 0.

    Returns:
        list[AttentionMap]: In the order the gates first ran.
    """
    return [
        split_attention_map(m.name, m.layer_type, m.output[index])
        for m in maps.values()
    ]


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
