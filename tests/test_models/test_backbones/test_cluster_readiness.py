"""Every backbone of ``configs/`` as GPU clusters run it: the backbone's
``norm_cfg`` reaches every norm (SyncBN, GroupNorm), bfloat16 autocast,
channels_last and ``torch.compile(fullgraph=True)``; and the attention
layers' float32 weights under autocast. Backbones are built from the
configs at full width; inputs are tiny."""
import copy
from typing import List, Sequence, Tuple

import pytest
import torch
import torch.nn as nn
from config_backbones import CONFIG_BACKBONES, NARROW, SHALLOW, build_backbone
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tool_runner import CONFIG_DIR
from torch.nn.modules.batchnorm import _BatchNorm

from mmdet_attn.models.backbones import AttentionResNet, GatedECAResNet
from mmdet_attn.models.layers import CBAM, ECA, SAM, SE, NonLocalBlock
from mmdet_attn.models.layers.base import Gate

CONFIGS = sorted(CONFIG_BACKBONES)
SYNC_BN = dict(type='SyncBN', requires_grad=True)

#: Configs left out of the (slow) compile test: their backbone runs the
#: code of another config's with other arguments (the Attttttention-ResNet
#: layout: the same gate with branch norms, ReLU and dropout).
COMPILED_AS = {
    'faster_rcnn_attn_r18_original_custom27': 'faster_rcnn_attn_r18_custom27'
}


def distinct_when_shallow() -> List[str]:
    """The configs whose backbones still differ in their shallow form
    (Attention-92 becomes Attention-56), but those of :data:`COMPILED_AS`."""
    seen, configs = set(), []
    for config in CONFIGS:
        if config in COMPILED_AS:
            continue
        cfg = dict(CONFIG_BACKBONES[config])
        cfg.update(SHALLOW[cfg['type']])
        key = repr(sorted(cfg.items()))
        if key not in seen:
            seen.add(key)
            configs.append(config)
    return configs


#: Largest relative L2 error of a backbone output under bfloat16 autocast,
#: against float32. bfloat16 keeps 8 significant bits (0.4 % per rounding),
#: compounded over the depth: we measured at most 0.01 for the ResNets,
#: 0.04 for CSPMirrorNet53 and 0.086 for Attention-92 at this test's
#: shape and seed.
BF16_RTOL = 0.1


def forward_backward(model: nn.Module,
                     x: torch.Tensor) -> Tuple[Tuple[torch.Tensor, ...], dict]:
    """Outputs (detached, float32) and parameter gradients of one
    forward+backward of ``sum(mean(o ** 2))`` over the outputs."""
    model.zero_grad()
    outs = model(x)
    sum(o.float().pow(2).mean() for o in outs).backward()
    grads = {
        n: p.grad.clone()
        for n, p in model.named_parameters() if p.grad is not None
    }
    return tuple(o.detach().float() for o in outs), grads


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """``|a - b| / max(|b|, 1e-5)`` in the L2 norm: a gradient that is zero
    but for rounding (the norm after an identity-initialised gate's zero
    conv) is compared absolutely."""
    return ((a - b).norm() / b.norm().clamp_min(1e-5)).item()


def norm_types(model: nn.Module) -> Sequence[type]:
    """Types of the norm layers of ``model``."""
    return [
        type(m) for m in model.modules()
        if isinstance(m, (_BatchNorm, nn.GroupNorm))
    ]


def norm_overrides(config: str, norm_cfg: dict) -> dict:
    """``norm_cfg`` for the backbone of ``config``: the one key that sets
    every norm of the backbone, its attention layers' included."""
    return dict(norm_cfg=norm_cfg)


def every_config_backbone() -> List[Tuple[str, dict]]:
    """``(config, backbone cfg)`` of every config in ``configs/`` (COCO and
    dataset twins), each distinct backbone once, without its weights."""
    seen, backbones = set(), []
    for path in sorted(CONFIG_DIR.glob('*.py')):
        cfg = Config.fromfile(str(path)).model.backbone.to_dict()
        cfg.pop('init_cfg', None)
        key = repr(sorted(cfg.items()))
        if key not in seen:
            seen.add(key)
            backbones.append((path.stem, cfg))
    return backbones


@pytest.mark.parametrize('config', CONFIGS)
def test_sync_bn_reaches_every_norm(config):
    """At the config's full width."""
    assert nn.BatchNorm2d in norm_types(build_backbone(config))
    types = norm_types(
        build_backbone(config, **norm_overrides(config, SYNC_BN)))
    assert types and all(issubclass(t, nn.SyncBatchNorm) for t in types)


@pytest.mark.parametrize(
    'norm_cfg',
    [SYNC_BN, dict(type='GN', num_groups=8, requires_grad=True)],
    ids=['SyncBN', 'GN'])
@pytest.mark.parametrize(
    'config,cfg',
    every_config_backbone(),
    ids=lambda v: v if isinstance(v, str) else '')
def test_one_norm_cfg_reaches_every_norm(config, cfg, norm_cfg):
    """Every config's backbone (narrow), every layout and option: the
    backbone's ``norm_cfg`` alone leaves no other norm type."""
    init_default_scope('mmdet')
    cfg = dict(cfg, norm_cfg=norm_cfg, **NARROW[cfg['type']])
    model = MODELS.build(cfg)
    expected = nn.SyncBatchNorm if norm_cfg is SYNC_BN else nn.GroupNorm
    types = norm_types(model)
    assert types and all(issubclass(t, expected) for t in types), config


def test_attention_gate_norm_follows_the_backbone():
    model = GatedECAResNet(depth=18, norm_cfg=SYNC_BN)
    assert isinstance(model.layer1_attention.gate.psi.norm, nn.SyncBatchNorm)
    # A norm the attention config switches on is the backbone's too.
    own = GatedECAResNet(
        depth=18,
        norm_cfg=SYNC_BN,
        attention_gate=dict(
            norm_cfg=dict(type='BN'), branch_norm_cfg=dict(type='BN')))
    assert isinstance(own.layer1_attention.gate.psi.norm, nn.SyncBatchNorm)
    assert isinstance(own.layer1_attention.gate.theta.norm, nn.SyncBatchNorm)
    # Off stays off.
    off = GatedECAResNet(
        depth=18, norm_cfg=SYNC_BN, attention_gate=dict(norm_cfg=None))
    assert not off.layer1_attention.gate.psi.with_norm
    # One group on psi's single channel, the backbone's groups elsewhere.
    gn = GatedECAResNet(depth=18, norm_cfg=dict(type='GN', num_groups=32))
    assert gn.layer2_attention.gate.psi.norm.num_groups == 1
    assert gn.layer2[0].gn1.num_groups == 32


def test_block_attention_norm_follows_the_backbone():
    """A norm that is off by default, switched on, is the backbone's."""
    model = AttentionResNet(
        depth=18,
        base_channels=16,
        norm_cfg=dict(type='GN', num_groups=8),
        attention=dict(type='CBAM', spatial_norm_cfg=dict(type='BN')))
    norm = model.layer1[0].cbam.spatial_gate.conv.norm
    assert isinstance(norm, nn.GroupNorm) and norm.num_groups == 1
    assert isinstance(model.layer1[0].gn1, nn.GroupNorm)


@pytest.mark.parametrize('config', CONFIGS)
def test_group_norm_trains(config):
    """Narrow model (8 groups divide every width), train mode."""
    norm_cfg = dict(type='GN', num_groups=8, requires_grad=True)
    model = build_backbone(
        config, narrow=True, **norm_overrides(config, norm_cfg))
    types = norm_types(model)
    assert types and all(issubclass(t, nn.GroupNorm) for t in types)
    outs, grads = forward_backward(model, torch.rand(2, 3, 32, 32))
    assert all(torch.isfinite(o).all() for o in outs)
    assert len(grads) == len(list(model.parameters()))
    assert all(torch.isfinite(g).all() for g in grads.values())


@pytest.mark.parametrize('config', CONFIGS)
def test_bfloat16_autocast_matches_float32(config):
    """Narrow model in eval mode (train-mode batch statistics of a tiny
    batch would amplify rounding noise)."""
    model = build_backbone(config, narrow=True)
    model.eval()  # MMDetection's ResNet.train returns None
    x = torch.rand(2, 3, 64, 64)
    ref, _ = forward_backward(model, x)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        outs, grads = forward_backward(model, x)
    for out, expected in zip(outs, ref, strict=True):
        assert relative_error(out, expected) < BF16_RTOL
    assert len(grads) == len(list(model.parameters()))
    assert all(torch.isfinite(g).all() for g in grads.values())


@pytest.mark.parametrize('config', CONFIGS)
def test_channels_last_gives_the_same_outputs_and_gradients(config):
    """Narrow model in eval mode; relative L2 errors (float32 rounding in
    another summation order)."""
    model = build_backbone(config, narrow=True)
    model.eval()
    model_cl = copy.deepcopy(model).to(memory_format=torch.channels_last)
    x = torch.rand(1, 3, 64, 64)
    ref, ref_grads = forward_backward(model, x)
    outs, grads = forward_backward(model_cl,
                                   x.to(memory_format=torch.channels_last))
    for out, expected in zip(outs, ref, strict=True):
        assert relative_error(out, expected) < 1e-4
    assert grads.keys() == ref_grads.keys()
    for name, grad in grads.items():
        assert relative_error(grad, ref_grads[name]) < 1e-2, name


@pytest.mark.parametrize('config', distinct_when_shallow())
def test_compiles_without_graph_breaks(config):
    """``fullgraph=True`` raises at the first graph break; the eager
    backend traces the whole forward (train mode) without code generation.
    Narrow and shallow models (``SHALLOW``): the same attention code,
    traced faster."""
    torch._dynamo.reset()
    model = build_backbone(config, narrow=True, shallow=True)
    x = torch.rand(2, 3, 32, 32)
    compiled = torch.compile(
        copy.deepcopy(model), backend='eager', fullgraph=True, dynamic=False)
    outs, grads = forward_backward(compiled, x)
    ref, ref_grads = forward_backward(model, x)
    for out, expected in zip(outs, ref, strict=True):
        torch.testing.assert_close(out, expected)
    assert len(grads) == len(ref_grads)


@pytest.mark.parametrize(
    'layer', [ECA(64), SE(64), SAM(64), CBAM(64)],
    ids=lambda m: type(m).__name__)
def test_attention_weights_are_float32_under_autocast(layer):
    maps = []
    for gate in layer.modules():
        if isinstance(gate, Gate):
            gate.register_forward_hook(lambda m, a, o: maps.append(o))
    x = torch.rand(2, 64, 9, 7)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = layer(x.bfloat16())
    assert out.dtype == torch.bfloat16
    assert maps and all(m.dtype == torch.float32 for m in maps)
    torch.testing.assert_close(out.float(), layer(x), rtol=0.02, atol=0.02)


def test_non_local_logits_do_not_overflow_float16():
    """Here ``theta^T phi`` reaches about 8e5, past float16's 65504: a
    float16 product gives inf, and the softmax of it NaN."""
    block = NonLocalBlock(64, zeros_init=False, use_scale=False)
    with torch.no_grad():
        block.theta.conv.weight.fill_(0.5)
        block.phi.conv.weight.fill_(0.5)
    x = torch.rand(1, 64, 6, 6) * 10
    theta = block.theta(x).flatten(2).transpose(1, 2)
    phi = block.phi(x).flatten(2)
    assert (theta @ phi).abs().amax() > 65504
    assert torch.isinf(theta.half() @ phi.half()).any()
    with torch.autocast('cpu', dtype=torch.float16):
        out = block(x)
    assert torch.isfinite(out).all()
    assert relative_error(out.float(), block(x)) < 0.01
