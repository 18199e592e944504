"""Contract shared by every attention layer: registration, shapes, gradients,
tracing, errors, kept maps, and use as plugins of MMDetection's ResNet-50."""
import warnings
from typing import Any, Dict, Tuple

import pytest
import torch
from mmdet.models.backbones import ResNet
from mmdet.registry import MODELS

from mmdet_attn.models.layers import (ATTENTION_TYPES, CBAM, ECA, SAM, SE,
                                      AttentionGate, NonLocalBlock,
                                      attention_class, attention_types,
                                      build_attention, with_backbone_norm)
from mmdet_attn.models.layers.base import Gate

# Channel-preserving layers, built as ``build_attention(cfg, C)``; non-zero
# initialisations where the default starts as the identity, so that the
# gradient test sees every parameter move.
SINGLE_INPUT = {
    'ECA': dict(type='ECA'),
    'ECA-seed': dict(type='ECA', kernel_size=3, dropout=0.5),
    'SE': dict(type='SE'),
    'CBAM': dict(type='CBAM'),
    'CBAM-bn': dict(type='CBAM', spatial_norm_cfg=dict(type='BN')),
    'SAM': dict(type='SAM'),
    'SAM-residual': dict(type='SAM', mode='residual'),
    'NonLocalBlock': dict(type='NonLocalBlock', zeros_init=False),
}
# N, C, H, W: batch 1, 1x1 maps, odd and non-square sizes (C >= 16 for SE).
SHAPES = [(1, 16, 1, 1), (1, 48, 7, 5), (3, 32, 9, 11), (2, 64, 2, 3)]
GATING = dict(type='AttentionGate', gating_channels=24)


def _build(name: str, channels: int) -> torch.nn.Module:
    return build_attention(SINGLE_INPUT[name], channels)


def _gating_inputs(shape: Tuple[int, ...]) -> Tuple[torch.Tensor, ...]:
    n, c, h, w = shape
    return torch.randn(n, c, h, w), torch.randn(n, 24, (h + 1) // 2,
                                                (w + 1) // 2)


def _layer_and_inputs(
    name: str,
    shape: Tuple[int,
                 ...]) -> Tuple[torch.nn.Module, Tuple[torch.Tensor, ...]]:
    """The layer ``name`` for ``shape[1]`` channels and random inputs for it
    (a coarser gating map too for the AttentionGate)."""
    if name == 'AttentionGate':
        return build_attention(GATING, shape[1]), _gating_inputs(shape)
    return _build(name, shape[1]), (torch.randn(shape), )


def test_all_types_registered_in_mmdet_models():
    classes = (ECA, AttentionGate, SE, CBAM, SAM, NonLocalBlock)
    assert sorted(ATTENTION_TYPES) == sorted(cls.__name__ for cls in classes)
    for cls in classes:
        assert MODELS.get(cls.__name__) is cls
    assert attention_types(gated=True) == ['AttentionGate']
    assert sorted(attention_types(
        gated=False)) == sorted(set(ATTENTION_TYPES) - {'AttentionGate'})
    # MMCV's own registration is not shadowed.
    assert MODELS.get('NonLocal2d') is not NonLocalBlock


def test_the_registry_is_the_list_of_types():
    # A layer registered later is an attention type at once.
    MODELS.register_module(
        name='ECAVariant', module=type('ECAVariant', (ECA, ), {}))
    try:
        assert 'ECAVariant' in attention_types(gated=False)
        assert build_attention(dict(type='ECAVariant'), 8).in_channels == 8
    finally:
        MODELS.module_dict.pop('ECAVariant')
    assert 'ECAVariant' not in attention_types()


@pytest.mark.parametrize('name', SINGLE_INPUT)
@pytest.mark.parametrize('shape', SHAPES)
def test_output_shape_equals_input_shape(name, shape):
    torch.manual_seed(0)
    layer = _build(name, shape[1])
    x = torch.randn(shape)
    for training in (True, False):
        layer.train(training)
        if training and name == 'CBAM-bn' and shape[0] == 1 and shape[2:] \
                == (1, 1):
            continue  # BN in training needs more than one value
        assert layer(x).shape == x.shape


@pytest.mark.parametrize('shape', SHAPES)
def test_attention_gate_output_shape(shape):
    torch.manual_seed(0)
    layer = build_attention(GATING, shape[1])
    x, g = _gating_inputs(shape)
    layer.eval()
    assert layer(x, g).shape == x.shape
    # BN in training needs more than one value per channel.
    if shape[0] * shape[2] * shape[3] > 1:
        layer.train()
        assert layer(x, g).shape == x.shape


@pytest.mark.parametrize('name', [*SINGLE_INPUT, 'AttentionGate'])
def test_gradients_reach_every_parameter(name):
    torch.manual_seed(0)
    shape = (2, 32, 5, 7)
    layer, inputs = _layer_and_inputs(name, shape)
    inputs = tuple(t.requires_grad_() for t in inputs)
    if name == 'SAM-residual':
        with torch.no_grad():
            layer.fc.weight.normal_()  # leave the zero start
    # Eval for the dropout variant would skip nothing: all parameters are
    # before or after the dropout; train mode is the harder case.
    out = layer(*inputs)
    (out * torch.randn_like(out)).sum().backward()
    for pname, param in layer.named_parameters():
        assert param.grad is not None, pname
        assert param.grad.abs().sum() > 0, pname
    for tensor in inputs:
        assert tensor.grad is not None and tensor.grad.abs().sum() > 0


@pytest.mark.parametrize('name', [*SINGLE_INPUT, 'AttentionGate'])
def test_jit_trace(name):
    torch.manual_seed(0)
    shape = (2, 32, 5, 7)
    layer, inputs = _layer_and_inputs(name, shape)
    layer.eval()
    with warnings.catch_warnings():
        warnings.simplefilter('error', torch.jit.TracerWarning)
        traced = torch.jit.trace(layer, inputs)
    torch.testing.assert_close(traced(*inputs), layer(*inputs))
    fresh = tuple(torch.randn_like(t) for t in inputs)
    torch.testing.assert_close(traced(*fresh), layer(*fresh))


@pytest.mark.parametrize('name', [*SINGLE_INPUT, 'AttentionGate'])
def test_channel_mismatch_names_module_and_both_counts(name):
    if name == 'AttentionGate':
        layer = build_attention(GATING, 32)
        args: Tuple[Any, ...] = (torch.randn(1, 48, 4,
                                             4), torch.randn(1, 24, 2, 2))
    else:
        layer = _build(name, 32)
        args = (torch.randn(1, 48, 4, 4), )
    cls_name = type(layer).__name__
    with pytest.raises(ValueError, match=rf'{cls_name}.*32.*48'):
        layer(*args)


def test_gating_map_errors():
    layer = build_attention(GATING, 32)
    x = torch.randn(2, 32, 6, 6)
    with pytest.raises(ValueError, match=r'batch size.*2 \(x\).*3 \(g\)'):
        layer(x, torch.randn(3, 24, 3, 3))
    with pytest.raises(ValueError, match='gating_channels=24 but g has 12'):
        layer(x, torch.randn(2, 12, 3, 3))
    with pytest.raises(ValueError, match='4-D'):
        layer(x, torch.randn(2, 24, 9))


def test_non_4d_input_is_rejected():
    with pytest.raises(ValueError, match=r'ECA expects a 4-D.*\(2, 32, 9\)'):
        ECA(32)(torch.randn(2, 32, 9))


def test_unknown_type_lists_the_attention_types():
    with pytest.raises(KeyError) as info:
        build_attention(dict(type='Squeeze'), 64)
    for name in ATTENTION_TYPES:
        assert name in str(info.value)
    assert "'Squeeze' (not in the mmdet::model registry)" in str(info.value)
    # A registered model that is not an attention layer is refused too.
    with pytest.raises(KeyError, match='ResNet.*not an attention layer'):
        build_attention(dict(type='ResNet'), 64)
    with pytest.raises(KeyError, match='registered attention types'):
        build_attention(dict(), 64)
    with pytest.raises(KeyError, match=r'\(it takes a gating map\)') as info:
        attention_class('AttentionGate', gated=False)
    assert 'AttentionGate' not in str(info.value).split(' are ')[1]
    with pytest.raises(
            KeyError, match='one input.*gating map are '
            'AttentionGate'):
        build_attention(dict(type='SE'), 64, gated=True)
    with pytest.raises(KeyError, match='Fancy'):
        with_backbone_norm(dict(type='Fancy'), dict(type='BN'))
    assert attention_class(ECA) is attention_class('mmdet.ECA') is ECA


def test_builder_in_channels_conflict():
    with pytest.raises(ValueError, match='in_channels=32.*in_channels=64'):
        build_attention(dict(type='ECA', in_channels=32), 64)
    assert build_attention(dict(type='ECA', in_channels=64), 64).in_channels \
        == 64


# Expected map shapes (module path of the gate's owner: shape) for a
# 2 x 32 x 5 x 7 input.
MAP_SHAPES: Dict[str, Dict[str, Tuple[int, ...]]] = {
    'ECA': {
        '': (2, 32, 1, 1)
    },
    'SE': {
        '': (2, 32, 1, 1)
    },
    'CBAM': {
        'channel_gate': (2, 32, 1, 1),
        'spatial_gate': (2, 1, 5, 7)
    },
    'SAM': {
        '': (2, 32, 1, 1)
    },
    'NonLocalBlock': {},
    'AttentionGate': {
        '': (2, 1, 5, 7)
    },
}


@pytest.mark.parametrize('name', MAP_SHAPES)
def test_maps_come_from_gates_and_no_layer_keeps_them(name, gate_output):
    torch.manual_seed(0)
    layer, inputs = _layer_and_inputs(name, (2, 32, 5, 7))
    gates = {
        path.rpartition('.')[0]: module
        for path, module in layer.named_modules() if isinstance(module, Gate)
    }
    assert {
        path: gate_output(gate, lambda: layer(*inputs)).shape
        for path, gate in gates.items()
    } == MAP_SHAPES[name]
    for path, gate in gates.items():
        kept = gate_output(gate, lambda: layer(*inputs))
        if name != 'SAM':
            assert kept.min() > 0 and kept.max() < 1, path
    tensors = [
        key for module in layer.modules()
        for key, value in vars(module).items()
        if isinstance(value, torch.Tensor)
    ]
    assert tensors == [], 'map state kept outside parameters and buffers'


PLUGIN_TYPES = ('ECA', 'SE', 'CBAM', 'SAM', 'NonLocalBlock')
# ResNet-50 stage outputs for a 1 x 3 x 64 x 64 image.
R50_SHAPES = [(1, 256, 16, 16), (1, 512, 8, 8), (1, 1024, 4, 4),
              (1, 2048, 2, 2)]


@pytest.mark.parametrize('position', ['after_conv3', 'after_conv2'])
@pytest.mark.parametrize('layer_type', PLUGIN_TYPES)
def test_plugin_in_stock_resnet50(mmdet_scope, layer_type, position):
    torch.manual_seed(0)
    model = ResNet(
        depth=50, plugins=[dict(cfg=dict(type=layer_type), position=position)])
    model.init_weights()
    cls = MODELS.get(layer_type)
    plugins = [m for m in model.modules() if isinstance(m, cls)]
    assert len(plugins) == 16  # one per Bottleneck
    block = model.layer4[0]
    plugin = getattr(block, cls._abbr_)
    expected = 2048 if position == 'after_conv3' else 512
    assert plugin.in_channels == expected
    model.eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == R50_SHAPES


def test_unknown_plugin_type_in_resnet_raises(mmdet_scope):
    # MMCV's build_plugin_layer raises a KeyError that does not even name
    # the type; build_attention is the path with the helpful message.
    with pytest.raises(KeyError, match='Cannot find'):
        ResNet(
            depth=50,
            plugins=[dict(cfg=dict(type='Squeeze'), position='after_conv3')])


@pytest.mark.parametrize('name', ['ECA', 'SE', 'CBAM', 'SAM'])
def test_map_dtypes_under_autocast_and_in_a_cast_model(name, gate_output):
    """Under autocast the maps are float32 and the output is the input's
    dtype; in a model cast as a whole everything is in its dtype."""
    torch.manual_seed(0)
    layer = _build(name, 32)
    x = torch.randn(2, 32, 5, 7).bfloat16()
    gates = [m for m in layer.modules() if isinstance(m, Gate)]
    with torch.autocast('cpu', dtype=torch.bfloat16):
        maps = [gate_output(gate, lambda: layer(x)) for gate in gates]
        assert layer(x).dtype == torch.bfloat16
    assert all(m.dtype == torch.float32 for m in maps)
    layer.bfloat16()
    maps = [gate_output(gate, lambda: layer(x)) for gate in gates]
    assert all(m.dtype == torch.bfloat16 for m in maps)
    assert layer(x).dtype == torch.bfloat16
