"""AttentionGate against Attention U-Net (Oktay et al., MIDL 2018), Eqs. 1-2,
and the layout of the Attttttention-ResNet repository."""
import pytest
import torch

from mmdet_attn.models.layers import AttentionGate

#: The Attttttention-ResNet repository's gate.
REPOSITORY_LAYOUT = dict(
    kernel_size=3,
    branch_norm_cfg=dict(type='BN'),
    branch_act_cfg=dict(type='ReLU'),
    dropout=0.5,
    align_corners=True)


def _branch_ref(module, x, conv2d_ref, batch_norm_eval_ref):
    """conv (+ BN in eval) (+ ReLU) of one ConvModule, from its weights."""
    conv = module.conv
    bias = None if conv.bias is None else conv.bias.detach()
    out = conv2d_ref(x, conv.weight.detach(), bias)
    if module.with_norm:
        out = batch_norm_eval_ref(out, module.norm)
    if module.with_activation:
        out = out.clamp(min=0)
    return out


def _gate_ref(layer, x, g, conv2d_ref, bilinear_ref, sigmoid_ref,
              batch_norm_eval_ref):
    theta = _branch_ref(layer.theta, x, conv2d_ref, batch_norm_eval_ref)
    phi = _branch_ref(layer.phi, g, conv2d_ref, batch_norm_eval_ref)
    phi = bilinear_ref(phi, x.shape[2:], layer.align_corners)
    q = _branch_ref(layer.psi, (theta + phi).clamp(min=0), conv2d_ref,
                    batch_norm_eval_ref)
    alpha = sigmoid_ref(q)
    return x * alpha, alpha


@pytest.mark.parametrize('layout', ['paper', 'repository'])
@pytest.mark.parametrize('x_shape, g_size', [
    ((2, 16, 15, 21), (4, 6)),
    ((1, 8, 7, 5), (1, 1)),
    ((3, 8, 6, 6), (6, 6)),
    ((1, 8, 1, 1), (3, 2)),
])
def test_output_equals_the_formula(layout, x_shape, g_size, conv2d_ref,
                                   bilinear_ref, sigmoid_ref,
                                   batch_norm_eval_ref, randomize_bn,
                                   gate_output):
    torch.manual_seed(0)
    kwargs = REPOSITORY_LAYOUT if layout == 'repository' else {}
    layer = AttentionGate(x_shape[1], gating_channels=12, **kwargs).double()
    randomize_bn(layer)
    layer.eval()
    x = torch.randn(x_shape, dtype=torch.float64)
    g = torch.randn(x_shape[0], 12, *g_size, dtype=torch.float64)
    expected, alpha = _gate_ref(layer, x, g, conv2d_ref, bilinear_ref,
                                sigmoid_ref, batch_norm_eval_ref)
    torch.testing.assert_close(layer(x, g), expected, rtol=1e-12, atol=1e-12)
    # One map in (0, 1), shared by all channels: the gate's output.
    kept = gate_output(layer.gate, lambda: layer(x, g))
    assert kept.shape == (x_shape[0], 1, *x_shape[2:])
    torch.testing.assert_close(kept, alpha)


def _strided_conv_ref(x, conv, s):
    """An ``s x s`` stride-``s`` conv of ``x`` zero-padded at the bottom
    and right to a multiple of ``s``, as one product per ``s x s`` block."""
    n, c, h, w = x.shape
    hs, ws = -(-h // s), -(-w // s)
    padded = x.new_zeros(n, c, hs * s, ws * s)
    padded[:, :, :h, :w] = x
    blocks = padded.view(n, c, hs, s, ws, s)
    out = torch.einsum('nchuwv,ocuv->nohw', blocks, conv.weight.detach())
    return out + conv.bias.detach()[None, :, None, None]


@pytest.mark.parametrize('x_shape, g_size, s', [
    ((2, 16, 16, 24), (2, 3), 8),
    ((1, 8, 15, 21), (4, 6), 4),
    ((2, 8, 3, 5), (2, 3), 2),
    ((1, 8, 1, 1), (1, 1), 4),
])
def test_map_on_the_coarse_grid(x_shape, g_size, s, conv2d_ref, bilinear_ref,
                                sigmoid_ref, batch_norm_eval_ref, randomize_bn,
                                gate_output):
    """``sub_sample=s``: ``theta`` is an ``s x s`` stride-``s`` conv, the
    map is formed on that grid and resized up to ``x``'s."""
    torch.manual_seed(0)
    layer = AttentionGate(x_shape[1], gating_channels=12, sub_sample=s)
    layer = layer.double()
    randomize_bn(layer)
    layer.eval()
    x = torch.randn(x_shape, dtype=torch.float64)
    g = torch.randn(x_shape[0], 12, *g_size, dtype=torch.float64)
    theta = _strided_conv_ref(x, layer.theta.conv, s)
    phi = _branch_ref(layer.phi, g, conv2d_ref, batch_norm_eval_ref)
    phi = bilinear_ref(phi, theta.shape[2:], layer.align_corners)
    q = _branch_ref(layer.psi, (theta + phi).clamp(min=0), conv2d_ref,
                    batch_norm_eval_ref)
    alpha = sigmoid_ref(q)
    expected = x * bilinear_ref(alpha, x.shape[2:], layer.align_corners)
    torch.testing.assert_close(layer(x, g), expected, rtol=1e-12, atol=1e-12)
    kept = gate_output(layer.gate, lambda: layer(x, g))
    assert kept.shape == (x_shape[0], 1, *theta.shape[2:])
    torch.testing.assert_close(kept, alpha)


def test_defaults_and_repository_layout():
    layer = AttentionGate(64, gating_channels=512)
    assert layer.inter_channels == 32
    assert layer.theta.conv.kernel_size == (1, 1)
    assert not layer.theta.with_norm and layer.psi.with_norm
    assert not layer.align_corners
    repo = AttentionGate(64, gating_channels=512, **REPOSITORY_LAYOUT)
    for branch in (repo.theta, repo.phi, repo.psi):
        assert branch.conv.kernel_size == (3, 3)
    assert repo.theta.with_norm and repo.theta.with_activation
    assert repo.dropout.p == 0.5 and repo.align_corners


def test_parameter_count():
    c, c_g, c_i = 64, 512, 32
    layer = AttentionGate(c, gating_channels=c_g)
    expected = c * c_i + c_g * c_i + c_i + 2 * c_i + 2
    assert sum(p.numel() for p in layer.parameters()) == expected
    k = 3
    repo = AttentionGate(c, gating_channels=c_g, **REPOSITORY_LAYOUT)
    expected = k * k * (c * c_i + c_g * c_i + c_i) + 4 * c_i + 2
    assert sum(p.numel() for p in repo.parameters()) == expected


def test_sub_sample_changes_theta_only():
    layer = AttentionGate(64, gating_channels=512, sub_sample=4, kernel_size=3)
    assert layer.theta.conv.kernel_size == (4, 4)
    assert layer.theta.conv.stride == (4, 4)
    assert layer.phi.conv.kernel_size == layer.psi.conv.kernel_size == (3, 3)
    c, c_g, c_i, k = 64, 512, 32, 3
    # theta and phi with biases, psi without (a BN follows), psi's BN.
    expected = (16 * c + 1) * c_i + (k * k * c_g + 1) * c_i + k * k * c_i + 2
    assert sum(p.numel() for p in layer.parameters()) == expected


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match='odd positive kernel_size'):
        AttentionGate(8, gating_channels=8, kernel_size=2)
    for sub_sample in (0, 2.):
        with pytest.raises(ValueError, match='positive integer sub_sample'):
            AttentionGate(8, gating_channels=8, sub_sample=sub_sample)
