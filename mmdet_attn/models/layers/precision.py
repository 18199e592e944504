"""Attention weights in float32 under mixed precision.

Under ``torch.autocast`` the layers compute pooled statistics, logits and
gates in float32 and scale the feature map in its own dtype
(``docs/gpu_clusters.md``); in a model cast as a whole they use its dtype.

Example:
    >>> import torch
    >>> x, fc = torch.rand(2, 8, 5, 5).bfloat16(), torch.nn.Linear(8, 8)
    >>> with autocast_off(x):
    ...     y = fc(x.mean(dim=(2, 3), dtype=weight_dtype(x, fc.weight)))
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
