"""NonLocalBlock against Non-local Neural Networks (Wang et al., CVPR 2018),
embedded Gaussian (Eqs. 1-2, 6), and its reuse of MMCV's NonLocal2d."""
import pytest
import torch
from mmcv.cnn import NonLocal2d
from mmdet.models.backbones import ResNet

from mmdet_attn.models.layers import NonLocalBlock


def _pointwise(module, x):
    """A 1x1 conv (ConvModule without norm) as an einsum over channels."""
    weight = module.conv.weight.detach()[:, :, 0, 0]
    return torch.einsum('nchw,oc->nohw', x,
                        weight) + module.conv.bias.detach()[None, :, None,
                                                            None]


@pytest.mark.parametrize('use_scale', [True, False])
@pytest.mark.parametrize('shape', [(1, 8, 1, 1), (2, 16, 5, 7)])
def test_output_equals_the_formula(use_scale, shape):
    torch.manual_seed(0)
    layer = NonLocalBlock(
        shape[1], use_scale=use_scale, zeros_init=False, std=0.3).double()
    x = torch.randn(shape, dtype=torch.float64)
    n, c, h, w = shape
    c_i = c // 2
    theta = _pointwise(layer.theta, x).reshape(n, c_i, h * w)
    phi = _pointwise(layer.phi, x).reshape(n, c_i, h * w)
    g = _pointwise(layer.g, x).reshape(n, c_i, h * w)
    logits = torch.einsum('nci,ncj->nij', theta, phi)
    if use_scale:
        logits = logits / c_i**0.5
    logits = logits - logits.max(dim=2, keepdim=True).values
    f = logits.exp() / logits.exp().sum(dim=2, keepdim=True)
    y = torch.einsum('nij,ncj->nci', f, g).reshape(n, c_i, h, w)
    expected = x + _pointwise(layer.conv_out, y)
    torch.testing.assert_close(layer(x), expected, rtol=1e-12, atol=1e-12)


def test_is_mmcv_nonlocal2d_and_equals_it():
    torch.manual_seed(0)
    layer = NonLocalBlock(32, zeros_init=False)
    assert isinstance(layer, NonLocal2d)
    reference = NonLocal2d(32)
    reference.load_state_dict(layer.state_dict())
    x = torch.randn(2, 32, 6, 5)
    torch.testing.assert_close(layer(x), reference(x), rtol=0, atol=0)


def test_starts_as_the_identity():
    torch.manual_seed(0)
    x = torch.randn(2, 16, 5, 7)
    assert torch.equal(NonLocalBlock(16)(x), x)


@pytest.mark.parametrize('mode', ['gaussian', 'dot_product', 'concatenation'])
def test_other_modes_and_sub_sample(mode):
    torch.manual_seed(0)
    layer = NonLocalBlock(16, mode=mode, sub_sample=True, zeros_init=False)
    x = torch.randn(2, 16, 6, 5)
    reference = NonLocal2d(16, mode=mode, sub_sample=True)
    reference.load_state_dict(layer.state_dict())
    torch.testing.assert_close(layer(x), reference(x))


def test_init_weights_keeps_the_constructor_choice(mmdet_scope):
    layer = NonLocalBlock(16, zeros_init=False)
    layer.init_weights()  # as a parent's init_weights() calls it
    assert layer.conv_out.conv.weight.any()
    model = ResNet(
        depth=50,
        plugins=[
            dict(
                cfg=dict(type='NonLocalBlock'),
                position='after_conv3',
                stages=(False, False, True, False))
        ])
    model.init_weights()
    blocks = [m for m in model.modules() if isinstance(m, NonLocalBlock)]
    assert len(blocks) == 6
    for block in blocks:
        assert not block.conv_out.conv.weight.any()


def test_parameter_count():
    c, c_i = 64, 32
    expected = 4 * c * c_i + 3 * c_i + c
    assert sum(p.numel() for p in NonLocalBlock(c).parameters()) == expected
