"""CBAM against CBAM: Convolutional Block Attention Module (Woo et al.,
ECCV 2018), Eqs. 1-3."""
import pytest
import torch

from mmdet_attn.models.layers import CBAM


def _cbam_ref(layer, x, conv2d_ref, sigmoid_ref, batch_norm_eval_ref):
    """Eqs. 1-3 from the layer's weights, with plain tensor arithmetic."""
    fc1, fc2 = layer.channel_gate.mlp[0], layer.channel_gate.mlp[2]

    def mlp(v):
        hidden = (v @ fc1.weight.detach().T + fc1.bias.detach()).clamp(min=0)
        return hidden @ fc2.weight.detach().T + fc2.bias.detach()

    n, c, h, w = x.shape
    avg = x.sum(dim=(2, 3)) / (h * w)
    mx = x.reshape(n, c, h * w).max(dim=2).values
    m_c = sigmoid_ref(mlp(avg) + mlp(mx))[:, :, None, None]
    x1 = x * m_c
    pooled = torch.cat(
        [x1.sum(dim=1, keepdim=True) / c,
         x1.max(dim=1, keepdim=True).values],
        dim=1)
    spatial = layer.spatial_gate.conv
    conv = spatial.conv
    bias = None if conv.bias is None else conv.bias.detach()
    logits = conv2d_ref(pooled, conv.weight.detach(), bias)
    if spatial.with_norm:
        logits = batch_norm_eval_ref(logits, spatial.norm)
    return x1 * sigmoid_ref(logits), m_c


@pytest.mark.parametrize('spatial_kernel_size', [7, 3])
@pytest.mark.parametrize('shape', [(1, 16, 1, 1), (2, 40, 9, 7)])
def test_output_equals_the_formula(spatial_kernel_size, shape, conv2d_ref,
                                   sigmoid_ref, batch_norm_eval_ref,
                                   gate_output):
    torch.manual_seed(0)
    layer = CBAM(
        shape[1], ratio=4, spatial_kernel_size=spatial_kernel_size).double()
    x = torch.randn(shape, dtype=torch.float64)
    expected, m_c = _cbam_ref(layer, x, conv2d_ref, sigmoid_ref,
                              batch_norm_eval_ref)
    torch.testing.assert_close(layer(x), expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(
        gate_output(layer.channel_gate, lambda: layer(x)),
        m_c,
        rtol=1e-12,
        atol=1e-12)


def test_input_gradient_equals_the_formulas():
    """Autograd through the layer gives the gradient of Eqs. 1-3."""
    torch.manual_seed(0)
    layer = CBAM(24, ratio=4).double().train()
    x = torch.randn(2, 24, 9, 7, dtype=torch.float64, requires_grad=True)
    upstream = torch.randn(2, 24, 9, 7, dtype=torch.float64)
    (grad, ) = torch.autograd.grad(layer(x), x, upstream)
    fc1, fc2 = layer.channel_gate.mlp[0], layer.channel_gate.mlp[2]
    spatial = layer.spatial_gate.conv.conv

    def formulas(x):
        m_c = torch.sigmoid(
            fc2(fc1(x.mean((2, 3))).relu()) +
            fc2(fc1(x.amax((2, 3))).relu()))[:, :, None, None]
        x1 = x * m_c
        pooled = torch.cat([x1.mean(1, True), x1.amax(1, True)], 1)
        return x1 * torch.sigmoid(spatial(pooled))

    (expected, ) = torch.autograd.grad(formulas(x), x, upstream)
    torch.testing.assert_close(grad, expected, rtol=1e-12, atol=1e-12)
    # Training and eval mode give the same output and gradient.
    trained = layer(x)
    layer.eval()
    torch.testing.assert_close(layer(x), trained, rtol=0, atol=0)
    (eval_grad, ) = torch.autograd.grad(layer(x), x, upstream)
    torch.testing.assert_close(eval_grad, grad, rtol=1e-12, atol=1e-12)


def test_output_with_bn_as_in_the_authors_code(conv2d_ref, sigmoid_ref,
                                               batch_norm_eval_ref,
                                               randomize_bn):
    torch.manual_seed(0)
    layer = CBAM(32, spatial_norm_cfg=dict(type='BN')).double()
    assert layer.spatial_gate.conv.conv.bias is None
    randomize_bn(layer)
    layer.eval()
    x = torch.randn(2, 32, 6, 5, dtype=torch.float64)
    expected, _ = _cbam_ref(layer, x, conv2d_ref, sigmoid_ref,
                            batch_norm_eval_ref)
    torch.testing.assert_close(layer(x), expected, rtol=1e-12, atol=1e-12)


def test_parameter_count():
    c, r, k = 256, 16, 7
    c_r = c // r
    expected = 2 * c * c_r + c_r + c + 2 * k * k + 1
    assert sum(p.numel() for p in CBAM(c).parameters()) == expected
    with_bn = CBAM(c, spatial_norm_cfg=dict(type='BN'))
    assert sum(p.numel() for p in with_bn.parameters()) == expected + 1
    # Fewer channels than the ratio: a hidden width of 1.
    assert CBAM(4).channel_gate.mlp[0].out_features == 1


def test_even_kernel_is_rejected():
    with pytest.raises(ValueError, match='odd positive spatial_kernel_size'):
        CBAM(32, spatial_kernel_size=6)


def test_state_dict_keys():
    layer = CBAM(32, spatial_norm_cfg=dict(type='BN'))
    assert list(layer.state_dict()) == [
        'channel_gate.mlp.0.weight', 'channel_gate.mlp.0.bias',
        'channel_gate.mlp.2.weight', 'channel_gate.mlp.2.bias',
        'spatial_gate.conv.conv.weight', 'spatial_gate.conv.bn.weight',
        'spatial_gate.conv.bn.bias', 'spatial_gate.conv.bn.running_mean',
        'spatial_gate.conv.bn.running_var',
        'spatial_gate.conv.bn.num_batches_tracked'
    ]
