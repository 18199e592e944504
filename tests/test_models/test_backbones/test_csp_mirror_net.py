"""CSPMirrorNet (the CSPMirrorNet repository's backbone) and its parts:
mirror block, CSP layer, Mish.
Narrow models (``gamma=0.125``, arch ``csp_mirror_net21``) keep the tests
small."""
import math
import runpy

import pytest
import torch
import torch.nn as nn
from backbone_checks import check_recomputation
from mmcv.cnn import build_activation_layer
from mmdet.models.layers import CSPLayer
from mmdet.registry import MODELS
from torch.nn.modules.batchnorm import _BatchNorm

from mmdet_attn.models.backbones import CSPMirrorNet
from mmdet_attn.models.backbones.csp_mirror_net import (CSPMirrorLayer,
                                                        MirrorBlock)
from mmdet_attn.models.layers import mish

STRIDES = (4, 8, 16, 32)


def _small(**kwargs) -> CSPMirrorNet:
    torch.manual_seed(0)
    return CSPMirrorNet('csp_mirror_net21', gamma=0.125, **kwargs)


def _assert_strides(model: CSPMirrorNet, height: int, width: int) -> None:
    outs = model(torch.rand(2, 3, height, width))
    assert [tuple(o.shape) for o in outs
            ] == [(2, c, math.ceil(height / s), math.ceil(width / s))
                  for c, s in zip(model.out_channels, STRIDES)]
    assert all(torch.isfinite(o).all() for o in outs)


@pytest.mark.parametrize('train', [True, False])
def test_strides_shapes_and_channels(train):
    model = _small(use_spp=True).train(train)
    assert model.out_channels == [16, 32, 64, 128]
    generator = torch.Generator().manual_seed(int(train))
    sizes = [
        (97, 131), (33, 47)
    ] + [tuple(torch.randint(33, 70, (2, ), generator=generator).tolist())]
    for height, width in sizes:
        _assert_strides(model, height, width)


@pytest.mark.parametrize('fusion', ['first', 'last'])
@pytest.mark.parametrize('partial_transition', [True, False])
def test_fusion_and_partial_transition_options(fusion, partial_transition):
    model = _small(
        fusion=fusion,
        partial_transition=partial_transition,
        block_types=('mirror', 'bottleneck', 'mirror', 'bottleneck', 'mirror'))
    layer = model.stage2[-1]
    assert (layer.final_conv is None) == (fusion == 'last')
    assert (layer.partial_conv is None) != partial_transition
    _assert_strides(model.train(), 37, 29)


def test_default_widths_depths_and_gamma():
    model = CSPMirrorNet()
    assert model.out_channels == [128, 256, 512, 1024]
    assert [len(getattr(model, f'stage{i}')[-1].blocks)
            for i in range(1, 6)] == [1, 2, 8, 8, 4]
    assert CSPMirrorNet(gamma=0.5).out_channels == [64, 128, 256, 512]
    assert CSPMirrorNet(out_indices=(0, 4)).out_channels == [64, 1024]


@pytest.mark.parametrize('length, ratio, expected', [(9, 0.2, 6), (10, 0.0, 5),
                                                     (7, 0.0, 4), (1, 0.4, 1),
                                                     (2, 0.49, 1),
                                                     (10, 0.3, 8)])
def test_cut_rule(length, ratio, expected):
    assert MirrorBlock(8, ratio).part_length(length) == expected


def test_mirror_block_parts_fusion_and_mirroring():
    torch.manual_seed(0)
    block = MirrorBlock(8, 0.2, add_identity=False).double().eval()
    block.transition = nn.Identity()
    x = torch.randn(1, 8, 9, 7, dtype=torch.float64)
    p1, p2 = block.split(x)
    assert p1.shape == p2.shape == (1, 8, 9, 5)
    torch.testing.assert_close(p1, x[..., :5])
    torch.testing.assert_close(p2, x[..., 2:])
    with torch.no_grad():
        f1, f2 = block.dense(p1), block.dense(p2)
        z = torch.cat((block.pool(p2), f1), 1) + torch.cat(
            (block.pool(p1), f2), 1)
        canvas = block(x)
    assert canvas.shape == (1, 16, 9, 7)
    # Columns 0-1 only in the left half, 5-6 only in the right half;
    # column 3 in both, as column 3 of the left and 1 of the right half.
    torch.testing.assert_close(canvas[..., :2], z[..., :2])
    torch.testing.assert_close(canvas[..., 5:], z[..., 3:])
    torch.testing.assert_close(canvas[..., 3], (z[..., 3] + z[..., 1]) / 2)


def test_mirror_halves_share_parameters_and_gradients_accumulate():
    torch.manual_seed(0)
    block = MirrorBlock(8, 0.2).double().eval()
    dense_params = list(block.dense.parameters())
    assert sum(isinstance(m, nn.Conv2d) for m in block.modules()) == 3
    x = torch.randn(1, 8, 11, 6, dtype=torch.float64)

    def dense_grads(detach_first: bool, detach_second: bool):
        block.zero_grad(set_to_none=True)
        p1, p2 = block.split(x)
        f1, f2 = block.dense(p1), block.dense(p2)
        f1 = f1.detach() if detach_first else f1
        f2 = f2.detach() if detach_second else f2
        block.merge(x, p1, p2, f1, f2).square().sum().backward()
        return [p.grad.clone() for p in dense_params]

    through_first = dense_grads(False, True)
    through_second = dense_grads(True, False)
    block.zero_grad(set_to_none=True)
    block(x).square().sum().backward()
    for total, first, second in zip([p.grad for p in dense_params],
                                    through_first, through_second):
        assert first.abs().sum() > 0 and second.abs().sum() > 0
        torch.testing.assert_close(total, first + second)


def test_overlap_ratio_changes_the_output():
    torch.manual_seed(0)
    narrow = MirrorBlock(8, 0.0).eval()
    wide = MirrorBlock(8, 0.3).eval()
    wide.load_state_dict(narrow.state_dict())
    x = torch.randn(1, 8, 12, 10)
    with torch.no_grad():
        assert not torch.allclose(narrow(x), wide(x))
    assert narrow(x).shape == wide(x).shape == x.shape


def test_every_parameter_receives_a_gradient():
    model = _small(
        use_spp=True,
        block_types=('bottleneck', 'mirror', 'mirror', 'bottleneck',
                     'mirror')).train()
    sum(o.mean() for o in model(torch.rand(2, 3, 64, 72))).backward()
    missing = [
        name for name, p in model.named_parameters()
        if p.grad is None or not p.grad.abs().sum() > 0
    ]
    assert not missing


def test_bottleneck_fusion_first_layer_equals_mmdet_csplayer():
    torch.manual_seed(0)
    cfg = dict(norm_cfg=dict(type='BN'), act_cfg=dict(type='Mish'))
    reference = CSPLayer(16, 32, num_blocks=2, **cfg).eval()
    layer = CSPMirrorLayer(
        16,
        32,
        num_blocks=2,
        block='bottleneck',
        fusion='first',
        partial_transition=False,
        **cfg).eval()
    layer.load_state_dict(reference.state_dict())
    x = torch.randn(2, 16, 9, 7)
    with torch.no_grad():
        torch.testing.assert_close(layer(x), reference(x))


def test_with_cp_gives_the_same_output_and_gradients():
    check_recomputation(lambda with_cp: _small(with_cp=with_cp))


def test_frozen_stages_and_norm_eval():
    model = _small(frozen_stages=2, norm_eval=True).train()
    for module in (model.stem, model.stage1, model.stage2):
        assert not module.training
        assert all(not p.requires_grad for p in module.parameters())
    assert all(p.requires_grad for p in model.stage3.parameters())
    assert all(not m.training for m in model.modules()
               if isinstance(m, _BatchNorm))


def test_mish_is_registered_once_and_builds_without_a_scope():
    assert MODELS.get('Mish') is nn.Mish is mish.Mish
    assert isinstance(build_activation_layer(dict(type='Mish')), nn.Mish)
    runpy.run_path(mish.__file__)  # a second registration attempt
    assert MODELS.get('Mish') is nn.Mish
    model = MODELS.build(
        dict(type='CSPMirrorNet', arch='csp_mirror_net21', gamma=0.125))
    assert isinstance(model.stem.activate, nn.Mish)


def test_bad_input_raises_clear_errors():
    with pytest.raises(KeyError, match='csp_mirror_net53'):
        CSPMirrorNet('csp_mirror_net99')
    for gamma in (0, -0.5):
        with pytest.raises(ValueError, match='gamma'):
            CSPMirrorNet(gamma=gamma)
    for ratio in (-0.1, 0.5, 0.7):
        with pytest.raises(ValueError, match=r'overlap_ratio .*\[0, 0.5\)'):
            CSPMirrorNet(overlap_ratio=ratio)
        with pytest.raises(ValueError, match='overlap_ratio'):
            MirrorBlock(8, ratio)
    with pytest.raises(ValueError, match='fusion'):
        CSPMirrorNet(fusion='middle')
    with pytest.raises(ValueError, match='block_types'):
        CSPMirrorNet(block_types=('mirror', ) * 4)
    with pytest.raises(ValueError, match='out_indices'):
        CSPMirrorNet(out_indices=(5, ))
    with pytest.raises(ValueError, match='frozen_stages'):
        CSPMirrorNet(frozen_stages=6)
