"""SAM against the Streamlined Attention Module repository: faithful form
``x * W GAP(x)`` and the stable residual form ``x * (1 + W GAP(x))``."""
import pytest
import torch
from mmdet.models.backbones import ResNet

from mmdet_attn.models.layers import SAM, check_sam_start


@pytest.mark.parametrize('mode', ['faithful', 'residual'])
@pytest.mark.parametrize('shape', [(1, 8, 1, 1), (3, 24, 7, 9)])
def test_output_equals_the_formula(mode, shape):
    torch.manual_seed(0)
    layer = SAM(shape[1], mode=mode).double()
    with torch.no_grad():
        layer.fc.weight.normal_()
    x = torch.randn(shape, dtype=torch.float64)
    weight = layer.fc.weight.detach()  # C x C, no bias
    assert layer.fc.bias is None
    y = (x.sum(dim=(2, 3)) / (shape[2] * shape[3])) @ weight.T
    scale = y if mode == 'faithful' else 1 + y
    expected = x * scale[:, :, None, None]
    torch.testing.assert_close(layer(x), expected, rtol=1e-12, atol=1e-12)


def test_faithful_form_has_no_sigmoid(gate_output):
    # No sigmoid: the multiplier can be negative or above 1.
    torch.manual_seed(0)
    layer = SAM(64)
    y = gate_output(layer.gate, lambda: layer(torch.randn(4, 64, 5, 5) + 3))
    assert y.shape == (4, 64, 1, 1)
    assert y.min() < 0 < 1 < y.max()


def test_residual_form_is_exactly_the_identity_at_init():
    torch.manual_seed(0)
    layer = SAM(32, mode='residual')
    x = torch.randn(2, 32, 7, 5)
    assert torch.equal(layer(x), x)
    layer.init_weights()
    assert torch.equal(layer(x), x)


def test_residual_form_survives_the_resnet_initialisation(mmdet_scope):
    model = ResNet(
        depth=50,
        plugins=[
            dict(
                cfg=dict(type='SAM', mode='residual'),
                position='after_conv3',
                stages=(False, False, False, True))
        ],
        init_cfg=[
            dict(type='Kaiming', layer=['Conv2d', 'Linear']),
            dict(type='Constant', val=1, layer=['_BatchNorm'])
        ])
    model.init_weights()
    sams = [m for m in model.modules() if isinstance(m, SAM)]
    assert len(sams) == 3
    for sam in sams:
        assert not sam.fc.weight.any()


def test_parameter_count_and_bad_mode():
    assert sum(p.numel() for p in SAM(256).parameters()) == 256 * 256
    with pytest.raises(ValueError, match="'faithful', 'residual'"):
        SAM(32, mode='gated')


def test_faithful_form_after_a_zero_init_norm_never_trains():
    # Why check_sam_start exists: after a BN whose weight starts at zero
    # (ResNet's zero_init_residual) the faithful SAM passes no gradient.
    torch.manual_seed(0)
    for mode, trains in (('faithful', False), ('residual', True)):
        norm, sam = torch.nn.BatchNorm2d(8), SAM(8, mode=mode)
        torch.nn.init.zeros_(norm.weight)
        out = sam(norm(torch.randn(2, 8, 5, 5)))
        (out * torch.randn_like(out)).sum().backward()
        assert bool(norm.weight.grad.abs().sum() > 0) is trains, mode


@pytest.mark.parametrize('cfg, after_zero_init_norm, raises', [
    (dict(type='SAM'), True, True),
    (dict(type=SAM, mode='faithful'), True, True),
    (dict(type='SAM', mode='residual'), True, False),
    (dict(type='SAM'), False, False),
    (dict(type='SE'), True, False),
])
def test_check_sam_start(cfg, after_zero_init_norm, raises):
    if not raises:
        check_sam_start(cfg, after_zero_init_norm)
        return
    with pytest.raises(ValueError) as info:
        check_sam_start(cfg, after_zero_init_norm)
    for way_out in ("mode='residual'", 'zero_init_residual=False'):
        assert way_out in str(info.value)
