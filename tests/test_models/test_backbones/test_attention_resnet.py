"""AttentionResNet (SE / CBAM / SAM / ECA inside every residual block)
against the papers' placement and MMDetection's ResNet contract, and the
ResNet-family configs' backbones. Narrow trunks (``base_channels`` 16)
keep the tests small; the helpers here are shared with
``test_gated_eca_resnet.py``."""
import gc
import math
import weakref
from pathlib import Path
from typing import Dict, List

import pytest
import torch
from backbone_checks import check_recomputation, randomize
from mmdet.models.backbones import ResNet
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope
from tool_runner import CONFIG_DIR
from torch.nn.modules.batchnorm import _BatchNorm

from mmdet_attn.models.backbones import AttentionResNet, PluginBasicBlock
from mmdet_attn.models.layers.base import AttentionMapMixin, Gate

STRIDES = (4, 8, 16, 32)
TYPES = ('SE', 'CBAM', 'SAM', 'ECA')
FAMILY_CONFIGS = ('faster_rcnn_attn_r18', 'faster_rcnn_attn_r18_nonlocal',
                  'faster_rcnn_se_r50', 'faster_rcnn_cbam_r50',
                  'faster_rcnn_sam_r50', 'faster_rcnn_eca_r50',
                  'faster_rcnn_r50')


def narrow(cls=AttentionResNet, depth: int = 18, **kwargs):
    """A backbone of ``cls`` with stage widths 16-128 (x4 for 50+)."""
    torch.manual_seed(0)
    return cls(depth=depth, base_channels=16, **kwargs)


def plain_resnet(depth: int) -> ResNet:
    """A randomly initialised plain MMDetection ResNet of the same width."""
    model = narrow(ResNet, depth, norm_eval=False)
    model.init_weights()
    return randomize(model)


def torchvision_state_dict(plain: ResNet,
                           prefix: str = '') -> Dict[str, torch.Tensor]:
    """``plain``'s weights as torchvision names them: the same keys plus the
    classifier ``fc.*`` (and optionally a ``module.`` prefix)."""
    state = dict(plain.state_dict())
    state['fc.weight'] = torch.rand(10, plain.feat_dim)
    state['fc.bias'] = torch.rand(10)
    return {prefix + k: v for k, v in state.items()}


def check_loads_trunk(model: torch.nn.Module, plain: ResNet,
                      tmp_path: Path) -> List[str]:
    """Load ``plain`` in MMDetection naming (mmengine checkpoint) and in
    torchvision naming (raw, with and without ``module.``) through
    ``init_cfg=Pretrained``; check every trunk tensor and return the keys
    a non-strict load reports missing."""
    files = [tmp_path / 'mmdet.pth', tmp_path / 'tv.pth', tmp_path / 'dp.pth']
    torch.save(dict(state_dict=plain.state_dict()), files[0])
    torch.save(torchvision_state_dict(plain), files[1])
    torch.save(torchvision_state_dict(plain, 'module.'), files[2])
    for path in files:
        model.init_cfg = dict(type='Pretrained', checkpoint=str(path))
        model._is_init = False
        model.init_weights()
        state = model.state_dict()
        for key, value in plain.state_dict().items():
            assert torch.equal(state[key], value), (path.name, key)
    result = model.load_state_dict(torchvision_state_dict(plain), strict=False)
    assert sorted(result.unexpected_keys) == ['fc.bias', 'fc.weight']
    return result.missing_keys


def attention_keys(model: torch.nn.Module) -> List[str]:
    """State-dict keys of the library's attention layers in ``model``, less
    BN's ``num_batches_tracked`` (PyTorch fills it in when absent)."""
    prefixes = tuple(f'{name}.' for name, m in model.named_modules()
                     if isinstance(m, AttentionMapMixin))
    return [
        k for k in model.state_dict()
        if k.startswith(prefixes) and not k.endswith('num_batches_tracked')
    ]


def check_shapes(model: torch.nn.Module, channels: List[int], train: bool,
                 seed: int) -> None:
    """Outputs at strides 4-32 with ``channels``, for 97x131 and a random
    size, in train or eval mode."""
    model.train(train)
    generator = torch.Generator().manual_seed(seed)
    sizes = [(97, 131),
             tuple(torch.randint(33, 80, (2, ), generator=generator).tolist())]
    for height, width in sizes:
        outs = model(torch.rand(2, 3, height, width))
        assert [tuple(o.shape) for o in outs
                ] == [(2, c, math.ceil(height / s), math.ceil(width / s))
                      for c, s in zip(channels, STRIDES)]


def check_frozen(model: torch.nn.Module, frozen_stages: int,
                 attention_trainable: bool) -> None:
    """Frozen trunk parameters get no gradient and frozen BN statistics do
    not move; the attention layers of frozen stages train unless frozen."""
    model = randomize(model).train()
    attention = [
        layer for stage in range(frozen_stages)
        for layer in model.stage_attention_layers(stage)
    ]
    assert attention
    attention_prefixes = tuple(f'{name}.' for name, m in model.named_modules()
                               if any(m is a for a in attention))
    frozen_prefixes = ('conv1.', 'bn1.') + tuple(
        f'layer{i}.' for i in range(1, frozen_stages + 1))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    sum(o.sum() for o in model(torch.rand(2, 3, 37, 45))).backward()
    after = model.state_dict()
    params = dict(model.named_parameters())
    for key in before:
        if key.startswith(attention_prefixes):
            if key in params:
                assert params[key].requires_grad is attention_trainable
                assert (params[key].grad is not None) is attention_trainable
        elif not key.startswith(frozen_prefixes):
            continue
        elif key in params:
            assert not params[key].requires_grad, key
            assert params[key].grad is None, key
        else:
            assert torch.equal(before[key], after[key]), key
    assert all(layer.training is attention_trainable for layer in attention)
    moved = [
        k for k in after if k.startswith(f'layer{frozen_stages + 1}.') and
        k.endswith('running_mean') and not torch.equal(after[k], before[k])
    ]
    assert moved


@pytest.mark.parametrize('attention', TYPES)
@pytest.mark.parametrize('depth', [18, 50])
@pytest.mark.parametrize('train', [True, False])
def test_strides_and_channels(attention, depth, train):
    model = narrow(
        depth=depth, attention=dict(type=attention), zero_init_residual=False)
    expansion = 1 if depth == 18 else 4
    assert model.out_channels == [16 * expansion * 2**i for i in range(4)]
    check_shapes(model, model.out_channels, train, seed=depth + train)


@pytest.mark.parametrize('depth, blocks', [(18, (2, 2, 2, 2)),
                                           (34, (3, 4, 6, 3)),
                                           (50, (3, 4, 6, 3)),
                                           (101, (3, 4, 23, 3)),
                                           (152, (3, 8, 36, 3))])
def test_every_depth_has_one_attention_layer_per_block(depth, blocks):
    model = AttentionResNet(
        depth=depth, base_channels=8, attention=dict(type='ECA'))
    for i, num in enumerate(blocks):
        layer = getattr(model, f'layer{i + 1}')
        assert len(layer) == num
        assert all(hasattr(block, 'eca') for block in layer)
    if depth < 50:
        assert all(isinstance(b, PluginBasicBlock) for b in model.layer1)


@pytest.mark.parametrize('depth, last_norm', [(18, 'norm2'), (50, 'norm3')])
@pytest.mark.parametrize('attention', TYPES)
def test_attention_sits_after_the_last_norm_before_the_addition(
        depth, last_norm, attention):
    model = randomize(
        narrow(
            depth=depth,
            attention=dict(type=attention),
            zero_init_residual=False))
    block = model.layer2[0]  # with a downsampling shortcut
    layer = getattr(block, MODELS.get(attention)._abbr_)
    seen = {}
    hooks = [
        getattr(block, last_norm).register_forward_hook(
            lambda m, i, o: seen.__setitem__('norm', o.clone())),
        layer.register_forward_hook(
            lambda m, i, o: seen.update(att_in=i[0].clone(), att=o.clone())),
        block.downsample.register_forward_hook(
            lambda m, i, o: seen.__setitem__('identity', o.clone())),
        block.register_forward_hook(
            lambda m, i, o: seen.__setitem__('out', o.clone())),
    ]
    model.eval()
    with torch.no_grad():
        model(torch.rand(1, 3, 45, 37))
    for hook in hooks:
        hook.remove()
    assert torch.equal(seen['att_in'], seen['norm'])
    assert not torch.equal(seen['att'], seen['norm'])
    torch.testing.assert_close(seen['out'],
                               torch.relu(seen['att'] + seen['identity']))


@pytest.mark.parametrize('depth', [18, 50])
def test_plain_checkpoints_load_with_only_attention_keys_missing(
        depth, tmp_path):
    plain = plain_resnet(depth)
    model = narrow(depth=depth, attention=dict(type='SE'))
    missing = check_loads_trunk(model, plain, tmp_path)
    assert sorted(missing) == sorted(attention_keys(model))
    assert missing and all('.se_layer.' in k for k in missing)
    trunk_keys = set(model.state_dict()) - set(missing)
    assert trunk_keys == set(plain.state_dict())


@pytest.mark.parametrize('depth', [18, 50])
@pytest.mark.parametrize('train', [True, False])
def test_without_attention_outputs_equal_the_plain_resnet(depth, train):
    plain = plain_resnet(depth)
    plain.train(train)
    x = torch.rand(2, 3, 45, 61)
    expected = plain(x)
    for kwargs in (dict(),
                   dict(
                       attention=dict(type='CBAM'),
                       stage_with_attention=(False, ) * 4)):
        model = narrow(depth=depth, **kwargs)
        model.load_state_dict(plain.state_dict())
        outs = model.train(train)(x)
        assert all(torch.equal(a, b) for a, b in zip(outs, expected))


@pytest.mark.parametrize('depth', [18, 50])
def test_stage_with_attention_selects_stages(depth):
    model = narrow(
        depth=depth,
        attention=dict(type='SE', ratio=8),
        stage_with_attention=(False, True, False, True))
    assert [bool(model.stage_attention_layers(i))
            for i in range(4)] == [False, True, False, True]
    assert model.layer2[0].se_layer.conv1.conv.out_channels == (
        model.out_channels[1] // 8)


def test_parameter_counts_match_the_papers():
    plain = sum(p.numel() for p in ResNet(depth=50).parameters())

    def extra(attention: dict) -> int:
        model = AttentionResNet(depth=50, attention=attention)
        return sum(p.numel() for p in model.parameters()) - plain

    # ECA-Net's code rule: k = 5 for 256-1024 channels, 7 for 2048.
    assert extra(dict(type='ECA')) == 3 * 5 + 4 * 5 + 6 * 5 + 3 * 7
    widths = [256] * 3 + [512] * 4 + [1024] * 6 + [2048] * 3
    assert extra(dict(type='SE')) == sum(2 * c * (c // 16) + c // 16 + c
                                         for c in widths)


@pytest.mark.parametrize('depth', [18, 50])
def test_with_cp_gives_the_same_outputs_and_gradients(depth):
    check_recomputation(lambda with_cp: narrow(
        depth=depth, attention=dict(type='CBAM'), with_cp=with_cp))


@pytest.mark.parametrize('depth', [18, 50])
@pytest.mark.parametrize('norm', ['bn_eval', 'gn'])
def test_recompute_attention_gives_the_same_outputs_and_gradients(depth, norm):
    norm_args = dict(
        bn_eval=dict(norm_eval=True),
        gn=dict(norm_cfg=dict(type='GN', num_groups=4)))[norm]
    check_recomputation(lambda recompute: narrow(
        depth=depth,
        attention=dict(type='CBAM', spatial_norm_cfg=dict(type='BN')),
        recompute_attention=recompute,
        **norm_args))


def last_norm(block: torch.nn.Module) -> torch.nn.Module:
    """The norm before the attention layer of a block."""
    return block.norm3 if hasattr(block, 'conv3') else block.norm2


def kept_norm_outputs(model: torch.nn.Module) -> List[bool]:
    """After one forward of ``model`` (its graph kept), whether each
    attention block's last norm output is still alive."""
    outputs = []
    for stage in model.res_layers:
        for block in getattr(model, stage):
            last_norm(block).register_forward_hook(
                lambda module, args, out: outputs.append(weakref.ref(out)))
    graph = model(torch.rand(2, 3, 64, 64))  # noqa: F841 (keeps the graph)
    return [ref() is not None for ref in outputs]


@pytest.mark.parametrize('depth,layer', [(18, 'SE'), (50, 'SE'), (50, 'CBAM'),
                                         (50, 'ECA')])
def test_recompute_attention_keeps_no_norm_output(depth, layer):
    """The graph keeps no last-norm output (recomputed for the backward)
    with the BN in eval mode or a GN, but with a BN in train mode, or
    ``recompute_attention=False``."""
    norms = dict(
        bn_eval=dict(norm_eval=True),
        bn_train=dict(norm_eval=False),
        gn_train=dict(norm_cfg=dict(type='GN', num_groups=4)))
    for norm, norm_args in norms.items():
        for recompute in (False, True):
            model = narrow(
                depth=depth,
                attention=dict(type=layer),
                recompute_attention=recompute,
                **norm_args).train()
            kept = kept_norm_outputs(model)
            assert len(kept) == sum(model.stage_blocks)
            assert all(kept) != (recompute and norm != 'bn_train'), norm
            assert any(kept) == all(kept), norm


def test_recompute_attention_frees_the_graph_with_its_outputs():
    """Without a backward, dropping the outputs frees the tensors the
    attention saved: a saved gate output (a sigmoid's result) packed as
    itself would hold its own grad_fn, a cycle through C++ that the
    garbage collector cannot free (it grew a benchmark to 24 GB)."""
    model = narrow(depth=50, attention=dict(type='SE'), norm_eval=True)
    gate_outputs = []

    def keep_ref(module, args, out):
        gate_outputs.append(weakref.ref(out))

    for module in model.modules():
        if isinstance(module, Gate):
            module.register_forward_hook(keep_ref)
    gc.disable()
    try:
        outs = model.train()(torch.rand(2, 3, 64, 64))
        del outs
        assert gate_outputs and all(ref() is None for ref in gate_outputs)
    finally:
        gc.enable()


@pytest.mark.parametrize('freeze_attention', [False, True])
def test_frozen_stages_freeze_attention_unless_asked(freeze_attention):
    model = narrow(
        depth=18,
        attention=dict(type='CBAM', spatial_norm_cfg=dict(type='BN')),
        frozen_stages=2,
        freeze_attention=freeze_attention)
    check_frozen(model, 2, attention_trainable=not freeze_attention)


def test_norm_eval_keeps_every_bn_in_eval_mode():
    model = narrow(
        depth=50,
        attention=dict(type='CBAM', spatial_norm_cfg=dict(type='BN')),
        norm_eval=True).train()
    assert model.training and model.layer1.training
    assert all(not m.training for m in model.modules()
               if isinstance(m, _BatchNorm))


def attention_norm_modes(model: AttentionResNet) -> List[List[bool]]:
    """Per stage, the training flags of the BNs inside its attention."""
    return [[
        m.training for layer in model.stage_attention_layers(stage)
        for m in layer.modules() if isinstance(m, _BatchNorm)
    ] for stage in range(model.num_stages)]


@pytest.mark.parametrize('freeze_attention', [True, False])
def test_attention_norm_eval_false_trains_the_attention_norms_alone(
        freeze_attention):
    model = narrow(
        depth=18,
        attention=dict(type='CBAM', spatial_norm_cfg=dict(type='BN')),
        frozen_stages=1,
        norm_eval=True,
        freeze_attention=freeze_attention,
        attention_norm_eval=False).train()
    modes = attention_norm_modes(model)
    assert all(len(stage) == 2 for stage in modes)  # one per block
    assert modes[0] == [not freeze_attention] * 2
    assert modes[1:] == [[True] * 2] * 3
    attention_norms = {
        id(m)
        for layer in model.modules() if isinstance(layer, AttentionMapMixin)
        for m in layer.modules()
    }
    trunk_norms = [
        m for m in model.modules()
        if isinstance(m, _BatchNorm) and id(m) not in attention_norms
    ]
    assert trunk_norms and not any(m.training for m in trunk_norms)
    model.eval()
    assert not any(m.training for m in model.modules())


@pytest.mark.parametrize('norm_eval, attention_norm_eval, expected',
                         [(True, None, False), (False, None, True),
                          (False, True, False)])
def test_attention_norm_eval_defaults_to_norm_eval(norm_eval,
                                                   attention_norm_eval,
                                                   expected):
    model = narrow(
        depth=18,
        attention=dict(type='CBAM', spatial_norm_cfg=dict(type='BN')),
        norm_eval=norm_eval,
        attention_norm_eval=attention_norm_eval).train()
    assert attention_norm_modes(model) == [[expected] * 2] * 4
    assert model.layer2[0].norm2.training == (not norm_eval)


def test_every_parameter_receives_a_gradient():
    model = randomize(
        narrow(depth=18, attention=dict(type='SAM'),
               zero_init_residual=False)).train()
    sum(o.mean() for o in model(torch.rand(2, 3, 37, 45))).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.parameters())


def test_builds_from_the_registry_and_under_any_default_scope():
    cfg = dict(
        type='AttentionResNet',
        depth=18,
        base_channels=16,
        attention=dict(type='CBAM'))
    with DefaultScope.overwrite_default_scope('mmdet'):
        assert isinstance(MODELS.build(cfg), AttentionResNet)
    # Under MMEngine's root scope MMCV's plugin builder would not find the
    # layer by name; the backbone resolves the type itself.
    with DefaultScope.overwrite_default_scope('mmengine'):
        cfg.pop('type')
        assert hasattr(AttentionResNet(**cfg).layer4[1], 'cbam')


def test_plugin_basic_block_takes_other_plugins():
    model = narrow(
        depth=18,
        plugins=[
            dict(
                cfg=dict(type=MODELS.get('SE')),
                position='after_conv1',
                stages=(True, False, False, False))
        ])
    assert hasattr(model.layer1[0],
                   'se_layer') and not hasattr(model.layer2[0], 'se_layer')
    assert model.layer1[0].se_layer.in_channels == 16


def test_bad_input_raises_clear_errors():
    with pytest.raises(KeyError, match=r'18, 34, 50, 101, 152'):
        AttentionResNet(depth=19)
    with pytest.raises(ValueError, match='out_indices'):
        AttentionResNet(depth=18, out_indices=(0, 4))
    with pytest.raises(ValueError, match='out_indices'):
        AttentionResNet(
            depth=18,
            num_stages=3,
            out_indices=(0, 1, 3),
            strides=(1, 2, 2),
            dilations=(1, 1, 1),
            stage_with_attention=(True, ) * 3)
    with pytest.raises(KeyError, match='CBAM, ECA, NonLocalBlock, SAM, SE'):
        AttentionResNet(depth=18, attention=dict(type='Fancy'))
    with pytest.raises(KeyError, match='takes a gating map'):
        AttentionResNet(depth=18, attention=dict(type='AttentionGate'))
    with pytest.raises(ValueError, match='stage_with_attention'):
        AttentionResNet(
            depth=18,
            attention=dict(type='SE'),
            stage_with_attention=(True, ) * 5)
    with pytest.raises(ValueError, match='frozen_stages'):
        AttentionResNet(depth=50, frozen_stages=5)
    with pytest.raises(ValueError, match='in_channels'):
        AttentionResNet(depth=18, attention=dict(type='SE', in_channels=64))
    with pytest.raises(TypeError, match='None .as norm_eval., True or False'):
        AttentionResNet(depth=18, attention_norm_eval='train')
    with pytest.raises(ValueError, match="mode='residual'"):
        AttentionResNet(depth=18, attention=dict(type='SAM'))
    with pytest.raises(ValueError, match='after_conv1'):
        PluginBasicBlock(
            16, 16, plugins=[dict(cfg=dict(type='SE'), position='conv3')])


def test_attention_per_stage():
    kernels = (3, 5, 5, 7)
    model = narrow(
        depth=50, attention=[dict(type='ECA', kernel_size=k) for k in kernels])
    for stage, k in enumerate(kernels):
        layer = getattr(model, model.res_layers[stage])
        assert {block.eca.kernel_size for block in layer} == {k}
    # Keys as with one config for every stage.
    same = narrow(depth=50, attention=dict(type='ECA', kernel_size=3))
    assert list(model.state_dict()) == list(same.state_dict())
    # None leaves a stage plain; stage_with_attention still applies.
    model = narrow(
        attention=[None,
                   dict(type='SE'),
                   dict(type='CBAM'),
                   dict(type='SE')],
        stage_with_attention=(True, True, False, True))
    assert [
        type(m).__name__ for i in range(4)
        for m in model.stage_attention_layers(i)[:1]
    ] == ['SE', 'SE']
    for bad in ([dict(type='ECA')] * 3, [dict(type='ECA')] * 4 + [None],
                ['ECA'] * 4):
        with pytest.raises(ValueError, match='one dict .* per stage'):
            narrow(attention=bad)


def test_resnet_d_trunk():
    """MMDetection's ResNetV1d arguments: 32-32-64 deep stem and
    average-pool shortcuts, with attention in every block."""
    model = narrow(
        depth=50,
        deep_stem=True,
        avg_down=True,
        stem_channels=64,
        attention=dict(type='ECA'))
    convs = [m for m in model.stem if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels) for c in convs] == [(3, 32),
                                                                (32, 32),
                                                                (32, 64)]
    assert isinstance(model.layer2[0].downsample[0], torch.nn.AvgPool2d)
    assert hasattr(model.layer2[0], 'eca')
    check_shapes(model, model.out_channels, train=False, seed=3)


@pytest.mark.parametrize('suffix', ['', '_custom27'])
@pytest.mark.parametrize('config', FAMILY_CONFIGS)
def test_family_config_backbones(config, suffix):
    cfg = Config.fromfile(str(CONFIG_DIR / f'{config}{suffix}.py'))
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model.backbone)
    if suffix:  # the 27-class twins train from scratch
        assert (model.frozen_stages, model.norm_eval) == (-1, False)
        assert cfg.model.backbone.get('init_cfg') is None
    else:  # COCO: from ImageNet weights, as MMDetection's configs
        assert (model.frozen_stages, model.norm_eval) == (1, True)
        assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    if isinstance(model, AttentionResNet) and not suffix:
        # New attention's BN (the gates' psi) trains under norm_eval.
        norms = attention_norm_modes(model.train())
        trained = sum(norms[1:], [])
        assert not any(norms[0]) and all(trained)
        assert bool(trained) == config.startswith('faster_rcnn_attn_r18')
    # A local checkpoint is one --cfg-options away.
    cfg.merge_from_dict({
        'model.backbone.init_cfg.type': 'Pretrained',
        'model.backbone.init_cfg.checkpoint': 'resnet.pth'
    })
    assert cfg.model.backbone.init_cfg.checkpoint == 'resnet.pth'
    for train in (True, False):
        check_shapes(
            model,
            list(cfg.model.neck.in_channels),
            train,
            seed=len(config) + train)
