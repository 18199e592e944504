"""GatedECAResNet (stage outputs gated by the deepest stage, then ECA,
optional non-local) against its formula, the Attttttention-ResNet
repository's layout and MMDetection's ResNet contract. Narrow trunks
(``base_channels`` 16)."""
from unittest import mock

import pytest
import torch
import torch.nn as nn
from backbone_checks import check_recomputation, randomize
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from test_attention_resnet import (attention_keys, check_frozen,
                                   check_loads_trunk, check_shapes, narrow,
                                   plain_resnet)
from tool_runner import CONFIG_DIR

from mmdet_attn.models.backbones import AttentionResNet, GatedECAResNet
from mmdet_attn.models.layers import ECA, AttentionGate, NonLocalBlock

#: The Attttttention-ResNet repository's gate and ECA arguments.
ORIGINAL_LAYOUT = dict(
    attention_gate=dict(
        kernel_size=3,
        branch_norm_cfg=dict(type='BN'),
        branch_act_cfg=dict(type='ReLU'),
        dropout=0.5,
        align_corners=True),
    eca=dict(kernel_size=3, dropout=0.5))


def gated(depth: int = 18, **kwargs) -> GatedECAResNet:
    return narrow(GatedECAResNet, depth, **kwargs)


@pytest.mark.parametrize('depth', [18, 50])
@pytest.mark.parametrize('train', [True, False])
@pytest.mark.parametrize('non_local', [None, dict(sub_sample=True)])
def test_strides_and_channels(depth, train, non_local):
    model = gated(depth, non_local=non_local)
    expansion = 1 if depth == 18 else 4
    assert model.out_channels == [16 * expansion * 2**i for i in range(4)]
    check_shapes(model, model.out_channels, train, seed=depth + train)


@pytest.mark.parametrize('layout', [dict(), ORIGINAL_LAYOUT])
def test_outputs_follow_the_formula(layout):
    plain = plain_resnet(18)
    model = randomize(gated(non_local=dict(), **layout)).eval()
    model.load_state_dict(plain.state_dict(), strict=False)
    plain.eval()
    x = torch.rand(2, 3, 61, 83)
    with torch.no_grad():
        trunk = model.trunk_forward(x)
        assert all(torch.equal(a, b) for a, b in zip(trunk, plain(x)))
        outs = model(x)
        g = trunk[-1]
        for i, out in enumerate(outs):
            stage = getattr(model, f'layer{i + 1}_attention')
            expected = stage.eca(stage.gate(trunk[i], g))
            if i >= 2:
                expected = stage.non_local(expected)
            else:
                assert stage.non_local is None
            torch.testing.assert_close(out, expected, rtol=0, atol=0)


@pytest.mark.parametrize('train', [True, False])
def test_gates_on_the_gating_grid(train):
    model = gated(gate_grid='gating')
    gates = [getattr(model, f'layer{i}_attention').gate for i in range(1, 5)]
    assert [gate.sub_sample for gate in gates] == [8, 4, 2, 1]
    assert all(gate.sub_sample == 1
               for gate in (getattr(gated(), f'layer{i}_attention').gate
                            for i in range(1, 5)))
    check_shapes(model, model.out_channels, train, seed=int(train))


def test_default_layout_is_the_papers():
    model = gated()
    stage = model.layer1_attention
    assert isinstance(stage.gate, AttentionGate)
    assert stage.gate.theta.conv.kernel_size == (1, 1)
    assert stage.gate.gating_channels == 128
    assert stage.gate.inter_channels == 8
    assert isinstance(stage.gate.dropout, nn.Identity)
    assert isinstance(stage.eca, ECA)
    assert [
        getattr(model, f'layer{i}_attention').eca.kernel_size
        for i in range(1, 5)
    ] == [3, 3, 3, 5]
    assert stage.non_local is None and model.layer4_attention.non_local is None


def test_original_layout_is_reproducible_by_arguments():
    model = gated(non_local=dict(), **ORIGINAL_LAYOUT)
    for i in range(1, 5):
        stage = getattr(model, f'layer{i}_attention')
        for branch in (stage.gate.theta, stage.gate.phi):
            assert branch.conv.kernel_size == (3, 3)
            assert isinstance(branch.norm, nn.BatchNorm2d)
            assert isinstance(branch.activate, nn.ReLU)
        assert stage.gate.psi.conv.kernel_size == (3, 3)
        assert stage.gate.dropout.p == stage.eca.dropout.p == 0.5
        assert stage.eca.kernel_size == 3
        assert isinstance(stage.non_local, NonLocalBlock) is (i >= 3)
    x = torch.rand(1, 3, 64, 64)
    model.eval()
    with torch.no_grad():
        assert all(torch.equal(a, b) for a, b in zip(model(x), model(x)))


@pytest.mark.parametrize('suffix', ['', '_custom27', '_trees'])
def test_original_config_has_the_original_repository_layout(suffix):
    cfg = Config.fromfile(
        str(CONFIG_DIR / f'faster_rcnn_attn_r18_original{suffix}.py'))
    init_default_scope('mmdet')
    backbone = cfg.model.backbone.to_dict()
    backbone.update(base_channels=16, init_cfg=None)
    model = MODELS.build(backbone)
    assert (model.depth, model.out_indices) == (18, (0, 1, 2, 3))
    # COCO freezes stage 1: its attention is off there (it would not train).
    first = 1 if suffix else 2
    if not suffix:
        assert model.layer1_attention.gate is None
    for i in range(first, 5):
        stage = getattr(model, f'layer{i}_attention')
        gate = stage.gate
        for conv in (gate.theta, gate.phi, gate.psi):
            assert conv.conv.kernel_size == (3, 3)
            assert isinstance(conv.norm, nn.BatchNorm2d)
        assert isinstance(gate.theta.activate, nn.ReLU)
        assert isinstance(gate.phi.activate, nn.ReLU)
        assert not gate.identity_init and not stage.eca.identity_init
        assert gate.dropout.p == stage.eca.dropout.p == 0.5
        assert gate.align_corners
        assert stage.eca.kernel_size == 3
        assert stage.non_local is None


@pytest.mark.parametrize('depth', [18, 50])
def test_plain_checkpoints_load_with_only_attention_keys_missing(
        depth, tmp_path):
    model = gated(depth, non_local=dict())
    missing = check_loads_trunk(model, plain_resnet(depth), tmp_path)
    assert sorted(missing) == sorted(attention_keys(model))
    assert all(k.split('.')[0].endswith('_attention') for k in missing)
    assert {k.split('.')[0]
            for k in missing} == {f'layer{i}_attention'
                                  for i in range(1, 5)}


@pytest.mark.parametrize('train', [True, False])
def test_without_attention_outputs_equal_the_plain_resnet(train):
    plain = plain_resnet(18)
    plain.train(train)
    model = gated(
        attention_gate=None,
        eca=None,
        non_local=dict(),
        stage_with_non_local=(False, ) * 4)
    assert not attention_keys(model)
    model.load_state_dict(plain.state_dict())
    x = torch.rand(2, 3, 45, 61)
    assert all(
        torch.equal(a, b) for a, b in zip(model.train(train)(x), plain(x)))


def test_out_indices_and_stage_switches():
    model = gated(
        out_indices=(1, 3), stage_with_eca=(False, True, False, False))
    assert model.out_channels == [32, 128]
    assert sorted(model.attention_names) == [1, 3]
    assert not hasattr(model, 'layer1_attention')
    assert model.layer4_attention.eca is None
    assert model.layer2_attention.eca is not None
    outs = model.eval()(torch.rand(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == [32, 128]


def test_with_cp_gives_the_same_outputs_and_gradients():
    check_recomputation(
        lambda with_cp: gated(non_local=dict(), with_cp=with_cp))


@pytest.mark.parametrize('freeze_attention', [False, True])
def test_frozen_stages_freeze_attention_unless_asked(freeze_attention):
    model = gated(frozen_stages=2, freeze_attention=freeze_attention)
    check_frozen(model, 2, attention_trainable=not freeze_attention)
    assert model.layer3_attention.training
    assert all(p.requires_grad for p in model.layer3_attention.parameters())


@pytest.mark.parametrize('cls', [AttentionResNet, GatedECAResNet])
def test_build_freezes_once(cls):
    freeze = cls._freeze_stages
    with mock.patch.object(
            cls, '_freeze_stages', autospec=True, side_effect=freeze) as spy:
        model = narrow(cls, frozen_stages=1, freeze_attention=True)
    assert spy.call_count == 1
    assert not any(p.requires_grad for p in model.layer1.parameters())
    if cls is GatedECAResNet:
        assert not model.layer1_attention.training
        assert not any(p.requires_grad
                       for p in model.layer1_attention.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())


def test_norm_eval_keeps_every_bn_in_eval_mode():
    model = gated(norm_eval=True, **ORIGINAL_LAYOUT).train()
    assert model.layer1_attention.training
    assert all(not m.training for m in model.modules()
               if isinstance(m, nn.modules.batchnorm._BatchNorm))


def test_attention_norm_eval_false_trains_the_gates_norms_alone():
    model = gated(
        frozen_stages=1, norm_eval=True, attention_norm_eval=False).train()
    for stage, name in enumerate(('layer1_attention', 'layer2_attention',
                                  'layer3_attention', 'layer4_attention')):
        psi_norm = getattr(model, name).gate.psi.norm
        assert psi_norm.training == (stage > 0)
    assert not any(m.training for m in model.layer2.modules()
                   if isinstance(m, nn.modules.batchnorm._BatchNorm))


def test_block_attention_combines():
    model = gated(attention=dict(type='SE', ratio=4))
    assert hasattr(model.layer3[1], 'se_layer')
    assert len(model.stage_attention_layers(0)) == 3


def test_pretrained_checkpoint_is_one_cfg_option_away(tmp_path):
    path = tmp_path / 'resnet18.pth'
    plain = plain_resnet(18)
    torch.save(plain.state_dict(), path)
    cfg = Config.fromfile(str(CONFIG_DIR / 'faster_rcnn_attn_r18.py'))
    cfg.merge_from_dict({
        'model.backbone.init_cfg.type': 'Pretrained',
        'model.backbone.init_cfg.checkpoint': str(path),
        'model.backbone.base_channels': 16
    })
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model.backbone)
    model.init_weights()
    state = model.state_dict()
    assert all(torch.equal(state[k], v) for k, v in plain.state_dict().items())


def test_bad_input_raises_clear_errors():
    with pytest.raises(KeyError, match=r'18, 34, 50, 101, 152'):
        GatedECAResNet(depth=19)
    with pytest.raises(ValueError, match='out_indices'):
        GatedECAResNet(depth=18, out_indices=(-1, 2))
    with pytest.raises(KeyError, match='ECA'):
        GatedECAResNet(depth=18, eca=dict(type='Fancy'))
    with pytest.raises(KeyError, match='attention_gate'):
        GatedECAResNet(depth=18, attention_gate=dict(type='SE'))
    with pytest.raises(ValueError, match='stage_with_gate'):
        GatedECAResNet(depth=18, stage_with_gate=(True, ) * 5)
    with pytest.raises(ValueError, match='stage_with_non_local'):
        GatedECAResNet(
            depth=18, non_local=dict(), stage_with_non_local=(True, True))
    with pytest.raises(ValueError, match='gating_channels'):
        GatedECAResNet(depth=18, attention_gate=dict(gating_channels=256))
    with pytest.raises(ValueError, match='sub_sample'):
        GatedECAResNet(depth=18, attention_gate=dict(sub_sample=2))
    with pytest.raises(ValueError, match="'input' or 'gating'"):
        GatedECAResNet(depth=18, gate_grid='coarse')
