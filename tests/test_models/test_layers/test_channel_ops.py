"""The attention layers' pooling and scaling ops: autograd's values and
gradients, through the lighter backward passes and the plain ops."""
import pytest
import torch
import torch.nn as nn

from mmdet_attn.models.layers.channel_ops import (channel_max, conv1x1_pooled,
                                                  mean_keepdim, scale_channels)


def _values_and_grads(fn, *inputs, grad_out=None):
    """``fn(*inputs)`` and the gradients of ``(out * grad_out).sum()``."""
    inputs = [t.detach().clone().requires_grad_() for t in inputs]
    out = fn(*inputs)
    if grad_out is None:
        grad_out = torch.randn_like(
            out, generator=torch.Generator().manual_seed(1))
    out.backward(grad_out)
    return out.detach(), [t.grad for t in inputs]


@pytest.mark.parametrize('dim', [(2, 3), (1, )])
@pytest.mark.parametrize('dtype', [None, torch.float64])
def test_mean_keepdim_matches_autograd(dim, dtype):
    x = torch.randn(2, 6, 5, 7)
    out, (grad, ) = _values_and_grads(lambda t: mean_keepdim(t, dim, dtype), x)
    ref, (ref_grad, ) = _values_and_grads(
        lambda t: t.mean(dim=dim, keepdim=True, dtype=dtype), x)
    assert out.dtype == ref.dtype and out.shape == ref.shape
    torch.testing.assert_close(out, ref, rtol=0, atol=0)
    assert grad.dtype == x.dtype
    torch.testing.assert_close(grad, ref_grad, rtol=0, atol=0)


def test_channel_max_matches_amax_without_and_with_ties():
    x = torch.randn(2, 6, 5, 7)
    out, (grad, ) = _values_and_grads(channel_max, x)
    ref, (ref_grad, ) = _values_and_grads(
        lambda t: t.amax(dim=1, keepdim=True), x)
    torch.testing.assert_close(out, ref, rtol=0, atol=0)
    torch.testing.assert_close(grad, ref_grad, rtol=0, atol=0)
    # Ties (e.g. after a ReLU) share the gradient, as amax's do.
    tied = x.relu() - 5
    tied[0, :3, 0, 0] = 7.
    out, (grad, ) = _values_and_grads(channel_max, tied)
    ref, (ref_grad, ) = _values_and_grads(
        lambda t: t.amax(dim=1, keepdim=True), tied)
    torch.testing.assert_close(grad, ref_grad, rtol=0, atol=0)
    assert grad[0, :3, 0,
                0].tolist() == pytest.approx([ref_grad[0, 0, 0, 0].item()] * 3)
    assert grad[0, :, 0, 0].sum() != 0


@pytest.mark.parametrize('memory_format',
                         [torch.contiguous_format, torch.channels_last])
def test_scale_channels_matches_autograd(memory_format):
    x = torch.randn(3, 5, 4, 6).contiguous(memory_format=memory_format)
    w = torch.rand(3, 5, 1, 1)
    out, grads = _values_and_grads(scale_channels, x, w)
    ref, ref_grads = _values_and_grads(lambda a, b: a * b, x, w)
    torch.testing.assert_close(out, ref, rtol=0, atol=0)
    for grad, ref_grad in zip(grads, ref_grads):
        torch.testing.assert_close(grad, ref_grad)


def test_scale_channels_with_constant_weights():
    x = torch.randn(2, 4, 3, 3, requires_grad=True)
    w = torch.rand(2, 4, 1, 1)
    scale_channels(x, w).sum().backward()
    torch.testing.assert_close(x.grad, w.expand_as(x))


def test_plain_ops_without_grad_and_under_tracing():
    x = torch.randn(1, 4, 3, 3, requires_grad=True)
    with torch.no_grad():
        assert mean_keepdim(x, (2, 3)).grad_fn is None
    traced = torch.jit.trace(
        lambda t: scale_channels(t,
                                 mean_keepdim(t, (2, 3)).sigmoid()), x)
    graph = str(traced.graph)
    assert 'PythonOp' not in graph and 'aten::mean' in graph
    torch.testing.assert_close(
        traced(x),
        x * x.mean(dim=(2, 3), keepdim=True).sigmoid())


def test_conv1x1_pooled_equals_the_conv():
    conv = nn.Conv2d(8, 3, 1)
    z = torch.randn(2, 8, 1, 1)
    torch.testing.assert_close(conv1x1_pooled(conv, z), conv(z))
    no_bias = nn.Conv2d(8, 3, 1, bias=False)
    torch.testing.assert_close(conv1x1_pooled(no_bias, z), no_bias(z))
