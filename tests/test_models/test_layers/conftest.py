"""Fixtures for the attention-layer tests: MMDetection scope and plain
re-implementations of the primitives the papers' formulas use.

The references are written with loops, gathers and elementwise arithmetic
only (no ``nn`` module, no ``F.conv*``, no ``F.interpolate``), so a test
that compares a layer with them checks the layer against the formula, not
against the same code path.
"""
from typing import Callable, Iterator, Optional, Tuple

import pytest
import torch
from mmengine.registry import DefaultScope
from torch import Tensor


@pytest.fixture
def mmdet_scope() -> Iterator[None]:
    """Default scope ``mmdet`` (as set by every MMDetection config), so that
    MMCV's ``build_plugin_layer`` finds the layers registered in mmdet's
    MODELS; restored afterwards."""
    with DefaultScope.overwrite_default_scope('mmdet'):
        yield


def _conv2d_ref(x: Tensor,
                weight: Tensor,
                bias: Optional[Tensor] = None) -> Tensor:
    """Stride-1 convolution zero-padded to keep H x W (odd kernels), as a
    sum over kernel taps of shifted inputs times the tap's weights."""
    n, _, h, w = x.shape
    kh, kw = weight.shape[2:]
    ph, pw = kh // 2, kw // 2
    padded = x.new_zeros(n, x.shape[1], h + 2 * ph, w + 2 * pw)
    padded[:, :, ph:ph + h, pw:pw + w] = x
    out = x.new_zeros(n, weight.shape[0], h, w)
    for u in range(kh):
        for v in range(kw):
            patch = padded[:, :, u:u + h, v:v + w]
            out = out + torch.einsum('nchw,oc->nohw', patch, weight[:, :, u,
                                                                    v])
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out


def _bilinear_ref(x: Tensor,
                  size: Tuple[int, int],
                  align_corners: bool = False) -> Tensor:
    """Bilinear resize. With half-pixel centres (``align_corners=False``)
    output index i samples input coordinate ``(i + 0.5) * in / out - 0.5``,
    clamped at 0; with ``align_corners=True`` it samples
    ``i * (in - 1) / (out - 1)`` (0 for one output), so that the corner
    pixels meet; either between its two neighbours."""

    def axis(in_len: int, out_len: int) -> Tuple[Tensor, Tensor, Tensor]:
        i = torch.arange(out_len, dtype=torch.float64)
        if align_corners:
            src = i * ((in_len - 1) / (out_len - 1) if out_len > 1 else 0.)
        else:
            src = ((i + 0.5) * (in_len / out_len) - 0.5).clamp(min=0)
        lo = src.floor().long().clamp(max=in_len - 1)
        hi = (lo + 1).clamp(max=in_len - 1)
        return lo, hi, (src - lo).to(x.dtype)

    r0, r1, ly = axis(x.shape[2], size[0])
    c0, c1, lx = axis(x.shape[3], size[1])
    rows = x[:, :, r0] * (1 - ly)[:, None] + x[:, :, r1] * ly[:, None]
    return rows[..., c0] * (1 - lx) + rows[..., c1] * lx


def _sigmoid_ref(t: Tensor) -> Tensor:
    """Logistic function from its definition."""
    return 1 / (1 + torch.exp(-t))


def _batch_norm_eval_ref(y: Tensor, bn: torch.nn.Module) -> Tensor:
    """BatchNorm in eval mode from its running statistics."""
    shape = (1, -1, 1, 1)
    return ((y - bn.running_mean.view(shape)) /
            torch.sqrt(bn.running_var.view(shape) + bn.eps) *
            bn.weight.view(shape) + bn.bias.view(shape))


@pytest.fixture
def conv2d_ref() -> Callable[..., Tensor]:
    return _conv2d_ref


@pytest.fixture
def bilinear_ref() -> Callable[..., Tensor]:
    return _bilinear_ref


@pytest.fixture
def sigmoid_ref() -> Callable[[Tensor], Tensor]:
    return _sigmoid_ref


@pytest.fixture
def batch_norm_eval_ref() -> Callable[..., Tensor]:
    return _batch_norm_eval_ref


def _randomize_bn(module: torch.nn.Module) -> None:
    """Give every BatchNorm of ``module`` non-trivial statistics and affine
    parameters, so that eval-mode references exercise them."""
    for m in module.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)


@pytest.fixture
def randomize_bn() -> Callable[[torch.nn.Module], None]:
    return _randomize_bn


@pytest.fixture
def gate_output() -> Callable:
    """``gate_output(gate, run)``: the output of the module ``gate`` during
    ``run()``, read with a forward hook (as the visualiser reads maps)."""

    def read(gate: torch.nn.Module, run: Callable[[], object]) -> Tensor:
        outputs = []
        handle = gate.register_forward_hook(
            lambda module, args, out: outputs.append(out))
        try:
            run()
        finally:
            handle.remove()
        return outputs[-1]

    return read
