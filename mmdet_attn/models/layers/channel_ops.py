"""The channel squeeze and channel scaling of the attention layers, with
lighter backward passes.

``mean_keepdim(x, dim)`` is ``x.mean(dim, keepdim=True)``, ``channel_max(x)``
is ``x.amax(dim=1, keepdim=True)`` and ``scale_channels(x, w)`` is ``x * w``
for a per-channel ``w``; their values and gradients are autograd's. Under
autograd they run as ``torch.autograd.Function``\\ s with lighter passes:
the mean's gradient is a broadcast view instead of a materialised
``N x C x H x W`` tensor, the maximum's forward is ``amax`` and its
backward a mask (no indices, no scatter into zeros), and the weights'
gradient ``sum_hw(grad * x)`` is one batched dot product (``torch.bmm``)
instead of a product map then a sum. Without gradients, under ``torch.jit``
tracing (export, FLOP counting) and in ``torch.compile`` (whose inductor
fuses the plain ops itself) they are the plain ops. ``conv1x1_pooled``
runs a 1x1 ``nn.Conv2d`` on an ``N x C x 1 x 1`` vector as the matrix
product it is. Measured in ``docs/gpu_clusters.md``.

Example:
    >>> import torch
    >>> x = torch.rand(2, 8, 5, 5, requires_grad=True)
    >>> w = torch.sigmoid(mean_keepdim(x, (2, 3)))
    >>> y = scale_channels(x, w)
    >>> torch.allclose(y, x * x.mean(dim=(2, 3), keepdim=True).sigmoid())
    True
"""
import math
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor
from torch.autograd import Function


def _use_autograd_function(*tensors: Tensor) -> bool:
    """Whether a backward pass will run through these inputs, outside tracing
    and compilation."""
    return (torch.is_grad_enabled() and any(t.requires_grad for t in tensors)
            and not torch.jit.is_tracing() and not torch.jit.is_scripting()
            and not torch.compiler.is_compiling())


class _Mean(Function):
    """``x.mean(dim, keepdim=True)`` whose gradient is a broadcast view."""

    @staticmethod
    def forward(ctx, x: Tensor, dim: Tuple[int, ...],
                dtype: Optional[torch.dtype]) -> Tensor:
        ctx.shape, ctx.in_dtype = x.shape, x.dtype
        ctx.count = math.prod(x.size(d) for d in dim)
        return x.mean(dim=dim, keepdim=True, dtype=dtype)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tuple[Tensor, None, None]:
        return (grad / ctx.count).to(ctx.in_dtype).expand(
            ctx.shape), None, None


class _ChannelMax(Function):
    """``x.amax(dim=1, keepdim=True)`` with a masked backward."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        maxed = x.amax(dim=1, keepdim=True)
        ctx.save_for_backward(x, maxed)
        return maxed

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        x, maxed = ctx.saved_tensors
        is_max = x == maxed
        if torch.count_nonzero(is_max) != maxed.numel():  # ties share it
            grad = grad / is_max.sum(dim=1, keepdim=True)
        return torch.where(is_max, grad, 0.)


class _ScaleChannels(Function):
    """``x * w`` for an ``N x C x 1 x 1`` ``w``, ``w``'s gradient by
    ``torch.bmm``."""

    @staticmethod
    def forward(ctx, x: Tensor, w: Tensor) -> Tensor:
        ctx.save_for_backward(x, w)
        return x * w

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tuple[Optional[Tensor], ...]:
        x, w = ctx.saved_tensors
        grad_x = grad * w if ctx.needs_input_grad[0] else None
        grad_w = None
        if ctx.needs_input_grad[1]:
            if grad.is_contiguous() and x.is_contiguous():
                rows = x.size(0) * x.size(1)
                grad_w = torch.bmm(
                    grad.reshape(rows, 1, -1), x.reshape(rows, -1,
                                                         1)).view_as(w)
            else:  # e.g. channels_last: the dot products are not rows.
                grad_w = (grad * x).sum(dim=(2, 3), keepdim=True)
        return grad_x, grad_w


def mean_keepdim(x: Tensor,
                 dim: Tuple[int, ...],
                 dtype: Optional[torch.dtype] = None) -> Tensor:
    """Mean over ``dim``, kept as size-1 dimensions.

    Args:
        x (Tensor): Input.
        dim (tuple[int]): Dimensions to average, e.g. ``(2, 3)`` (spatial)
            or ``(1, )`` (channels).
        dtype (torch.dtype, optional): Dtype to accumulate and return in
            (as ``Tensor.mean``'s). Defaults to ``x``'s.

    Returns:
        Tensor: The means, ``x``'s shape with size 1 along ``dim``.
    """
    if _use_autograd_function(x):
        return _Mean.apply(x, dim, dtype)
    return x.mean(dim=dim, keepdim=True, dtype=dtype)


def channel_max(x: Tensor) -> Tensor:
    """Maximum over the channels, kept as ``N x 1 x H x W``.

    Its values and gradient are ``x.amax(dim=1, keepdim=True)``'s (tied
    maxima share the gradient).

    Args:
        x (Tensor): ``N x C x H x W`` feature map.

    Returns:
        Tensor: ``N x 1 x H x W`` maxima.
    """
    if _use_autograd_function(x):
        return _ChannelMax.apply(x)
    return x.amax(dim=1, keepdim=True)


def scale_channels(x: Tensor, w: Tensor) -> Tensor:
    """Scale each channel of ``x`` by its weight in ``w``.

    Args:
        x (Tensor): ``N x C x H x W`` feature map.
        w (Tensor): ``N x C x 1 x 1`` weights, in ``x``'s dtype.

    Returns:
        Tensor: ``x * w``, ``N x C x H x W``.
    """
    if _use_autograd_function(x, w):
        return _ScaleChannels.apply(x, w)
    return x * w


def conv1x1_pooled(conv: nn.Module, z: Tensor) -> Tensor:
    """Apply a 1x1 convolution to pooled ``N x C x 1 x 1`` vectors.

    A plain ``nn.Conv2d`` runs as ``F.linear`` on its weights (the same
    values); any other conv type (``conv_cfg``) runs as itself.

    Args:
        conv (nn.Module): The 1x1 convolution, stride 1, no padding.
        z (Tensor): ``N x C x 1 x 1`` input.

    Returns:
        Tensor: ``N x C_out x 1 x 1``.
    """
    if type(conv) is not nn.Conv2d:
        return conv(z)
    out = F.linear(z.flatten(1), conv.weight.flatten(1), conv.bias)
    return out[:, :, None, None]
