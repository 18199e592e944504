"""Attention weights in float32 under mixed precision.

Not a mechanism of its own: two helpers the attention layers use so that,
under ``torch.autocast`` (float16 or bfloat16), the small tensors that turn
a feature map into attention weights (pooled statistics, gate logits, their
sigmoid or softmax) are computed in float32, while the work on the feature
map itself stays in the autocast dtype; the weights are cast to the feature
map's dtype when applied, so a layer returns the dtype it was given. In a
model cast as a whole (``model.half()``, ``model.double()``) they are
computed in the dtype of the layer's parameters. Which layers compute what
in float32, and what stays in the autocast dtype: ``docs/gpu_clusters.md``.

Example:
    >>> import torch
    >>> from mmdet_attn.models.layers.precision import (autocast_off,
    ...                                                  weight_dtype)
    >>> x, fc = torch.rand(2, 8, 5, 5).bfloat16(), torch.nn.Linear(8, 8)
    >>> dtype = weight_dtype(x, fc.weight)
    >>> with autocast_off(x):
    ...     y = fc(x.mean(dim=(2, 3), dtype=dtype))
    >>> y.dtype
    torch.float32
"""
import torch
from torch import Tensor


def weight_dtype(x: Tensor, weight: Tensor) -> torch.dtype:
    """The dtype attention weights of ``x`` are computed in.

    Args:
        x (Tensor): The feature map (float16/bfloat16 under autocast).
        weight (Tensor): A parameter of the layer (float32 under autocast).

    Returns:
        torch.dtype: ``x``'s and ``weight``'s dtypes promoted: float32 under
        autocast, ``x``'s own dtype in a model cast as a whole.
    """
    return torch.promote_types(x.dtype, weight.dtype)


def autocast_off(x: Tensor) -> torch.autocast:
    """A context in which autocast is off on ``x``'s device.

    Args:
        x (Tensor): Any tensor on the device the context applies to.

    Returns:
        torch.autocast: The context manager; convolutions and matrix
        products inside it run in their inputs' dtype.
    """
    return torch.autocast(x.device.type, enabled=False)
