"""ResidualAttentionNet against the Residual Attention Network paper
(Wang et al., CVPR 2017) and MMDetection's backbone contract. Narrow models
(``base_channels`` 8, or 16 for AttentionNeXt) keep the tests small."""
import math

import pytest
import torch
import torch.nn as nn
from backbone_checks import check_recomputation
from mmdet.models.backbones.resnext import Bottleneck as ResNeXtBottleneck
from mmdet.registry import MODELS
from torch.nn.modules.batchnorm import _BatchNorm

from mmdet_attn.models.backbones import ResidualAttentionNet
from mmdet_attn.models.backbones.residual_attention_net import (
    AttentionModule, PreActBottleneck)

ARCHS = ('attention56', 'attention92', 'attentionnext56')
STRIDES = (4, 8, 16, 32)


def _small(arch: str = 'attention56', **kwargs) -> ResidualAttentionNet:
    """Stage widths 32-256 (AttentionNeXt, 32 groups: 64-512)."""
    torch.manual_seed(0)
    base_channels = 16 if arch == 'attentionnext56' else 8
    return ResidualAttentionNet(arch, base_channels=base_channels, **kwargs)


@pytest.mark.parametrize('arch', ARCHS)
@pytest.mark.parametrize('train', [True, False])
def test_strides_shapes_and_channels(arch, train):
    model = _small(arch).train(train)
    assert model.out_channels == [
        c * model.stage_channels[0] // 32 for c in (32, 64, 128, 256)
    ]
    generator = torch.Generator().manual_seed(len(arch) + train)
    for height, width in [
        (97, 131),
            tuple(torch.randint(33, 70, (2, ), generator=generator).tolist())
    ]:
        outs = model(torch.rand(1, 3, height, width))
        assert [tuple(o.shape) for o in outs
                ] == [(1, c, math.ceil(height / s), math.ceil(width / s))
                      for c, s in zip(model.out_channels, STRIDES)]


def _out_norm_params(model: ResidualAttentionNet, stages) -> int:
    return sum(p.numel() for i in stages
               for p in getattr(model, f'out_norm{i}').parameters())


#: The 1000-class FC of the authors' classifiers (2048 x 1000 + 1000).
FC_PARAMS = 2049000


def test_default_widths_modules_and_prototxt_parameter_counts():
    model = ResidualAttentionNet('attention56')
    assert model.out_channels == [256, 512, 1024, 2048]
    skips = [[
        len(m.skip_units) for m in stage if isinstance(m, AttentionModule)
    ] for stage in (model.layer1, model.layer2, model.layer3, model.layer4)]
    assert skips == [[2], [1], [0], []]
    # The authors' prototxts, FC included: one BN-ReLU after the last
    # stage (out_norm4); out_norm1-3 are this backbone's additions.
    params = sum(p.numel() for p in model.parameters())
    assert params - _out_norm_params(model, (1, 2, 3)) + FC_PARAMS == 31810728
    deep = ResidualAttentionNet('attention92')
    assert [
        sum(isinstance(m, AttentionModule) for m in stage)
        for stage in (deep.layer1, deep.layer2, deep.layer3)
    ] == [1, 2, 3]
    params = sum(p.numel() for p in deep.parameters())
    assert params - _out_norm_params(deep, (1, 2, 3)) + FC_PARAMS == 52466344


def test_attentionnext56_is_its_prototxt():
    model = ResidualAttentionNet('attentionnext56')
    # Post-activation outputs: no output norms by default.
    assert not any(n.startswith('out_norm') for n, _ in model.named_children())
    assert sum(p.numel() for p in model.parameters()) + FC_PARAMS == 31318824
    units = [m for m in model.modules() if isinstance(m, ResNeXtBottleneck)]
    assert units and not any(
        isinstance(m, PreActBottleneck) for m in model.modules())
    for unit in units:
        # conv-BN-ReLU with ResNeXt 32x4d widths, BN on the projection.
        assert unit.conv2.groups == 32
        assert unit.conv2.out_channels * 2 == unit.conv3.out_channels
        if unit.downsample is not None:
            assert isinstance(unit.downsample[1], nn.BatchNorm2d)
    module = model.layer1[1]
    head = module.mask_head
    assert len(head) == 2
    assert [type(m) for m in head[0].children()
            ] == [nn.Conv2d, nn.BatchNorm2d, nn.ReLU]
    assert head[0].order == ('conv', 'norm', 'act')
    assert [type(m) for m in head[1].children()] == [nn.Conv2d]
    assert isinstance(module.gate.act, nn.Sigmoid)


def test_attention56_mask_head_is_pre_activation():
    module = _small().layer1[1]
    assert len(module.mask_head) == 2
    for conv in module.mask_head:
        assert conv.order == ('norm', 'act', 'conv')
        assert isinstance(conv.norm, nn.BatchNorm2d)
    assert isinstance(module.gate.act, nn.Sigmoid)


@pytest.mark.parametrize('align_corners', [False, True])
def test_mask_upsampling_align_corners(align_corners):
    default = _small()
    model = _small(align_corners=align_corners)
    modules = [m for m in model.modules() if isinstance(m, AttentionModule)]
    assert not any(m.align_corners for m in default.modules()
                   if isinstance(m, AttentionModule))
    assert all(m.align_corners is align_corners for m in modules)
    x = torch.arange(6.).view(1, 1, 2, 3)
    up = modules[0]._upsample(x, torch.empty(1, 1, 5, 7))
    expected = torch.nn.functional.interpolate(
        x, size=(5, 7), mode='bilinear', align_corners=align_corners)
    other = torch.nn.functional.interpolate(
        x, size=(5, 7), mode='bilinear', align_corners=not align_corners)
    assert torch.equal(up, expected) and not torch.allclose(up, other)


@pytest.mark.parametrize('num_skips, size', [(2, (13, 10)), (1, (5, 7)),
                                             (0, (3, 2))])
def test_attention_module_is_attention_residual_learning(num_skips, size):
    torch.manual_seed(0)
    # Train mode: batch statistics keep the un-normalised pre-activation
    # sums in range (fresh running statistics would saturate the mask).
    module = AttentionModule(64, num_skips).double().train()
    x = torch.randn(2, 64, *size, dtype=torch.float64)
    masks = []
    module.gate.register_forward_hook(lambda m, a, o: masks.append(o))
    with torch.no_grad():
        out = module(x)
        y = module.pre_units(x)
        trunk, mask = module.trunk(y), module.mask(y)
        expected = module.post_units((1 + mask) * trunk)
        attended = module.attend(y)
    assert mask.shape == trunk.shape == y.shape
    assert 0 < mask.min() and mask.max() < 1
    torch.testing.assert_close(attended, (1 + mask) * trunk)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(masks[0], mask)


@pytest.mark.parametrize('arch', ARCHS)
def test_every_parameter_receives_a_gradient(arch):
    model = _small(arch).train()
    sum(o.mean() for o in model(torch.rand(2, 3, 37, 45))).backward()
    missing = [
        name for name, p in model.named_parameters()
        if p.grad is None or not p.grad.abs().sum() > 0
    ]
    assert not missing


def test_with_cp_gives_the_same_output_and_gradients():
    check_recomputation(lambda with_cp: _small(with_cp=with_cp))


def test_frozen_stages_and_norm_eval():
    model = _small(frozen_stages=2, norm_eval=True).train()
    for module in (model.stem, model.layer1, model.layer2, model.out_norm1,
                   model.out_norm2):
        assert not module.training
        assert all(not p.requires_grad for p in module.parameters())
    assert all(p.requires_grad for p in model.layer3.parameters())
    assert all(not m.training for m in model.modules()
               if isinstance(m, _BatchNorm))
    assert model.layer3.training


def test_out_indices_and_no_out_norm():
    model = _small(out_indices=(1, 3), out_norm=False).eval()
    assert model.out_channels == [64, 256]
    assert not hasattr(model, 'out_norm2')
    outs = model(torch.rand(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == [64, 256]


def test_builds_from_the_registry():
    model = MODELS.build(
        dict(
            type='ResidualAttentionNet', arch='attention92', base_channels=16))
    assert isinstance(model, ResidualAttentionNet)


def test_bad_input_raises_clear_errors():
    with pytest.raises(KeyError, match='attention56'):
        ResidualAttentionNet('attention128')
    with pytest.raises(ValueError, match='out_indices'):
        ResidualAttentionNet(out_indices=(4, ))
    with pytest.raises(ValueError, match='frozen_stages'):
        ResidualAttentionNet(frozen_stages=5)
    with pytest.raises(ValueError, match='base_width'):
        ResidualAttentionNet('attentionnext56', base_channels=8)
    with pytest.raises(ValueError, match='in_channels=64'):
        AttentionModule(64, 1)(torch.rand(1, 32, 8, 8))
