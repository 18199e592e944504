"""``identity_init``: every attention layer starts as the identity and
every parameter still gets gradient at the first step."""
import pytest
import torch
import torch.nn as nn

from mmdet_attn.models.backbones.residual_attention_net import AttentionModule
from mmdet_attn.models.layers import CBAM, ECA, SE, AttentionGate
from mmdet_attn.models.layers.base import init_identity_mlp

LAYERS = {
    'ECA':
    lambda: ECA(32, identity_init=True),
    'SE':
    lambda: SE(32, ratio=4, identity_init=True),
    'CBAM':
    lambda: CBAM(32, ratio=4, identity_init=True),
    'AttentionGate paper':
    lambda: AttentionGate(32, 16, norm_cfg=None, identity_init=True),
}
#: Layers some of whose parameters get gradient from the second step only
#: (prefixes): a norm's scale right after a zeroed conv (its normalised
#: input is zero), a 3x3 gate's branches, the RAN mask branch.
FIRST_STEP_SILENT = {
    'AttentionGate':
    (lambda: AttentionGate(32, 16, identity_init=True), ('psi.bn.weight', )),
    'CBAM spatial BN': (lambda: CBAM(
        32, ratio=4, spatial_norm_cfg=dict(type='BN'), identity_init=True),
                        ('spatial_gate.conv.bn.weight', )),
    'AttentionGate BN': (lambda: AttentionGate(
        32,
        16,
        norm_cfg=dict(type='BN'),
        branch_norm_cfg=dict(type='BN'),
        branch_act_cfg=dict(type='ReLU'),
        identity_init=True), ('theta.bn.weight', 'phi.bn.weight',
                              'psi.bn.weight')),
    'AttentionGate coarse grid':
    (lambda: AttentionGate(32, 16, sub_sample=4, identity_init=True),
     ('psi.bn.weight', )),
    'AttentionGate 3x3':
    (lambda: AttentionGate(32, 16, kernel_size=3, identity_init=True),
     ('theta', 'phi', 'psi.bn')),
    'AttentionModule': (lambda: AttentionModule(32, 1, identity_init=True),
                        ('mask_head.0', 'mask_head.1.bn', 'down_units',
                         'skip_units', 'bottom_units', 'up_units')),
}


def _run(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    if isinstance(layer, AttentionGate):
        return layer(x, torch.rand(x.size(0), 16, 3, 4) * 4 - 2)
    if isinstance(layer, AttentionModule):
        return layer.attend(x)
    return layer(x)


def _reference(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return layer.trunk(x) if isinstance(layer, AttentionModule) else x


@pytest.mark.parametrize(
    'make', [*LAYERS.values(), *(m for m, _ in FIRST_STEP_SILENT.values())],
    ids=[*LAYERS, *FIRST_STEP_SILENT])
@pytest.mark.parametrize('train', [False, True], ids=['eval', 'train'])
def test_identity_at_initialisation(make, train):
    torch.manual_seed(0)
    layer = make()
    layer.init_weights()
    layer.train(train)
    x = torch.randn(2, 32, 11, 13) * 3 + 1
    torch.testing.assert_close(
        _run(layer, x), _reference(layer, x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('name', [*LAYERS, *FIRST_STEP_SILENT])
def test_every_parameter_gets_gradient(name):
    torch.manual_seed(0)
    make, silent = (LAYERS[name], ()) if name in LAYERS else \
        FIRST_STEP_SILENT[name]
    layer = make()
    layer.init_weights()
    layer.eval()
    x = torch.randn(2, 32, 11, 13)
    target = torch.randn_like(x)
    out = layer(x) if isinstance(layer, AttentionModule) else _run(layer, x)
    (out * target).sum().backward()
    for param_name, param in layer.named_parameters():
        # Float rounding leaves ~1e-9 where the exact gradient is zero.
        has_grad = param.grad is not None and param.grad.abs().max() > 1e-6
        if not param_name.startswith(silent):
            assert has_grad, param_name


def test_gates_double_the_sigmoid_range():
    layer = ECA(8, identity_init=True)
    nn.init.constant_(layer.conv.weight, 10.)
    w = layer(torch.ones(1, 8, 2, 2)).amax()
    assert 1.9 < float(w) <= 2.0


def test_init_weights_restores_identity_after_parent_init():
    layer = SE(32, ratio=4, identity_init=True)
    nn.init.normal_(layer.conv1.conv.weight)
    layer.init_weights()
    x = torch.rand(2, 32, 5, 5)
    torch.testing.assert_close(layer(x), x)


def test_init_identity_mlp_conv():
    first, last = nn.Conv2d(8, 2, 1), nn.Conv2d(2, 8, 1)
    init_identity_mlp(first, last)
    out = last(first(torch.rand(3, 8, 1, 1)).relu())
    assert out.abs().max() < 1e-6


def test_se_identity_init_needs_default_activations():
    with pytest.raises(ValueError, match='default act_cfg'):
        SE(32, ratio=4, act_cfg=dict(type='ReLU'), identity_init=True)
