"""timm's ResNets -> AttentionResNet
(``mmdet_attn.models.weight_converters.timm_resnet``, its command line and
the ``timm://`` scheme) against timm's own ``resnet.py``: after conversion
the backbone computes what timm's network computes with the same weights.

timm's package imports torchvision, which cannot be installed beside a CPU
torch here, so ``timm/models/resnet.py`` is loaded without running the
package's ``__init__``: stand-in package modules point at the installed
source folders, ``timm.layers`` is the real package but for a stand-in of
the one torchvision class it imports (``FrozenBatchNorm2d``, unused by
these models), and ``build_model_with_cfg`` just builds the class.
"""
import importlib
import importlib.util
import re
import sys
import types
from pathlib import Path

import pytest
import torch
import torch.nn as nn
from converter_sources import max_abs_diff, random_reference, serve_directory
from mmdet.registry import MODELS
from mmengine.config import Config
from safetensors.torch import save_file
from tool_runner import load_tool

from mmdet_attn.models.weight_converters import (resolve_source,
                                                 source_cache_path,
                                                 timm_resnet)
from mmdet_attn.utils import fetch_pretrained_checkpoints

SE, D = dict(type='SE', ratio=16), dict(deep_stem=True, avg_down=True)
#: timm architecture -> the AttentionResNet config its weights fill.
MAPPED = dict(
    seresnet50=dict(depth=50, attention=SE),
    ecaresnet50d=dict(
        depth=50,
        attention=[dict(type='ECA', kernel_size=k) for k in (5, 5, 5, 7)],
        **D),
    seresnet18=dict(
        depth=18,
        attention=[dict(type='SE', ratio=r) for r in (8, 16, 16, 16)]))
#: resnet50d's, checked through the command line and the scheme.
R50D = dict(type='AttentionResNet', depth=50, **D)
#: Further architectures, converted on the meta device (keys and shapes).
MAPPED_ON_META = dict(
    resnet50c=dict(depth=50, deep_stem=True),
    resnet50s=dict(depth=50, deep_stem=True, stem_channels=128),
    resnet34d=dict(depth=34, **D),
    seresnet152d=dict(depth=152, attention=SE, **D))
#: Architectures whose keys or shapes refuse them, and the message.
REFUSED_BY_KEYS = dict(
    ecaresnet50t='the deep stem has widths (24, 32, 64)',
    resnext50_32x4d='a grouped 3x3 conv (ResNeXt)',
    resnet50_gn='layer1.0.bn1 has no running statistics',
    ecaresnetlight='Bottleneck counts (1, 1, 11, 3)',
    resnet26d='Bottleneck counts (2, 2, 2, 2)',
    wide_resnet50_2='layer1.0.conv1.weight: (128, 64, 1, 1) vs (64, 64, 1, 1)',
    resnetrs50='keys with no place in AttentionResNet (is this a timm ResNet '
    'checkpoint?): maxpool.0.weight')
#: Architectures with pretrained weights in timm whose tags map.
MAPPED_ARCHS = {
    'resnet18', 'resnet18d', 'resnet34', 'resnet34d', 'resnet50', 'resnet50c',
    'resnet50d', 'resnet50s', 'resnet101', 'resnet101c', 'resnet101d',
    'resnet101s', 'resnet152', 'resnet152c', 'resnet152d', 'resnet152s',
    'seresnet50', 'seresnet152d', 'ecaresnet50d', 'ecaresnet101d'
}


@pytest.fixture(scope='module')
def timm():
    """timm's ``resnet.py`` and ``_registry.py`` modules, from its
    installed source."""
    root = Path(importlib.util.find_spec('timm').origin).parent
    with pytest.MonkeyPatch.context() as patch:
        for name in list(sys.modules):
            if name.split('.')[0] in ('timm', 'torchvision'):
                patch.delitem(sys.modules, name)

        def stand_in(name, path=None):
            module = types.ModuleType(name)
            if path is not None:
                module.__path__ = [str(path)]
            patch.setitem(sys.modules, name, module)
            return module

        stand_in('timm', root)
        stand_in('timm.models', root / 'models')
        data = stand_in('timm.data', root / 'data')
        constants = importlib.import_module('timm.data.constants')
        data.IMAGENET_DEFAULT_MEAN = constants.IMAGENET_DEFAULT_MEAN
        data.IMAGENET_DEFAULT_STD = constants.IMAGENET_DEFAULT_STD
        stand_in('torchvision')
        stand_in('torchvision.ops')
        stand_in('torchvision.ops.misc').FrozenBatchNorm2d = type(
            'FrozenBatchNorm2d', (nn.Module, ), {})
        stand_in('timm.models._builder').build_model_with_cfg = (
            lambda cls, variant, pretrained, pruned=False, **kwargs: cls(
                **kwargs))
        yield types.SimpleNamespace(
            resnet=importlib.import_module('timm.models.resnet'),
            registry=importlib.import_module('timm.models._registry'))


def stage_outputs(model, x):
    with torch.no_grad():
        return model.eval().forward_intermediates(
            x, indices=[1, 2, 3, 4], intermediates_only=True)


def backbone_outputs(cfg, x, weights=None):
    backbone = MODELS.build(cfg)
    if weights is None:
        backbone.init_weights()
    else:
        backbone.load_state_dict(weights, strict=True)
    with torch.no_grad():
        return backbone.eval()(x)


@pytest.fixture(scope='module')
def resnet50d(timm):
    """A random timm resnet50d, an input and its stage outputs."""
    torch.manual_seed(0)
    model = random_reference(timm.resnet.resnet50d(), '.se.')
    x = torch.rand(1, 3, 64, 64)
    return model, x, stage_outputs(model, x)


@pytest.mark.parametrize('arch', list(MAPPED))
def test_converted_backbone_computes_timms_network(timm, arch):
    torch.manual_seed(0)
    model = random_reference(getattr(timm.resnet, arch)(), '.se.')
    x = torch.rand(1, 3, 64, 64)
    weights, cfg = timm_resnet.convert(model.state_dict())
    assert cfg == dict(type='AttentionResNet', **MAPPED[arch])
    diff = max_abs_diff(
        backbone_outputs(cfg, x, weights), stage_outputs(model, x))
    print(f'timm {arch}: {len(weights)} tensors, max |diff| {diff:.2e}')
    assert len(weights) == len(model.state_dict()) - 2  # fc dropped
    assert diff <= 1e-5


@pytest.mark.parametrize('arch', list(MAPPED_ON_META))
def test_more_architectures_map(timm, arch):
    with torch.device('meta'):
        state = getattr(timm.resnet, arch)().state_dict()
    weights, cfg = timm_resnet.convert(state)
    assert cfg == dict(type='AttentionResNet', **MAPPED_ON_META[arch])
    assert len(weights) == len(state) - 2


@pytest.mark.parametrize('arch', list(REFUSED_BY_KEYS))
def test_architectures_that_do_not_map_are_refused(timm, arch):
    with torch.device('meta'):
        state = getattr(timm.resnet, arch)().state_dict()
    with pytest.raises(ValueError, match=re.escape(REFUSED_BY_KEYS[arch])):
        timm_resnet.convert(state)
    with pytest.raises(ValueError, match=f"timm's {arch} does not map"):
        timm_resnet.check_arch(arch)


def test_every_pretrained_tag_is_mapped_or_refused_by_name(timm):
    tags = timm.registry.list_pretrained()
    mapped, refused = set(), {}
    for tag in tags:
        try:
            timm_resnet.check_arch(tag)
            mapped.add(tag.split('.')[0])
        except ValueError as error:
            refused[tag.split('.')[0]] = str(error)
    assert mapped == MAPPED_ARCHS
    assert not mapped & set(refused)
    assert 'anti-aliased' in refused['resnetaa50d']
    assert 'anti-aliased' in refused['resnetblur50']
    assert 'grouped 3x3 convs' in refused['seresnext50_32x4d']
    assert 'tiered deep stem' in refused['ecaresnet50t']
    assert 'pruned' in refused['ecaresnet50d_pruned']
    assert 'depth' in refused['resnet200d']
    with pytest.raises(ValueError, match='no weights for seresnet18.untr'):
        timm_resnet.check_arch('seresnet18.untrained')
    print(f'timm tags: {len(tags)}, of {len(mapped)} architectures that '
          f'map and {len(refused)} refused')


def test_anti_aliased_weights_need_their_name(timm, tmp_path):
    """resnetaa50d has resnet50d's keys (its pooling has no weights): the
    keys convert, the tag or --arch refuses."""
    with torch.device('meta'):
        state = timm.resnet.resnetaa50d().state_dict()
    assert timm_resnet.convert(state)[1] == R50D
    with pytest.raises(ValueError, match='anti-aliased'):
        resolve_source('timm://resnetaa50d.sw_in12k_ft_in1k')
    with pytest.raises(SystemExit, match='anti-aliased'):
        load_tool('model_converters/timm_resnet.py').main([
            str(tmp_path / 'model.safetensors'),
            str(tmp_path), '--arch', 'resnetaa50d'
        ])


def test_scheme_strings_resolve_without_downloading(tmp_path):
    assert resolve_source('timm://seresnet152d.ra2_in1k').location == (
        'https://huggingface.co/timm/seresnet152d.ra2_in1k/resolve/main/'
        'model.safetensors')
    local = tmp_path / 'model.safetensors'
    assert resolve_source(f'timm://{local}').location == str(local)
    url = 'https://example.org/weights/r50.pth'
    assert resolve_source(f'timm://{url}').location == url
    with pytest.raises(ValueError, match='give the pretrained tag too'):
        resolve_source('timm://seresnet50')
    with pytest.raises(ValueError, match='give a path'):
        resolve_source('timm://')
    assert resolve_source('https://example.org/r50.pth') is None


def test_command_line_converts_a_safetensors_file(resnet50d, tmp_path, capsys):
    model, x, expected = resnet50d
    src = tmp_path / 'model.safetensors'
    save_file(model.state_dict(), str(src))
    load_tool('model_converters/timm_resnet.py').main(
        [str(src), str(tmp_path / 'r50d.pth'), '--arch', 'resnet50d'])
    written, = tmp_path.glob('r50d-*.pth')
    checkpoint = torch.load(written, weights_only=True)
    assert checkpoint['meta']['backbone_cfg'] == R50D
    weights = checkpoint['state_dict']
    diff = max_abs_diff(backbone_outputs(R50D, x, weights), expected)
    report = capsys.readouterr().out
    print(f'timm resnet50d: {len(weights)} tensors, max |diff| {diff:.2e}')
    assert diff <= 1e-5
    assert 'deep_stem=True, avg_down=True' in report
    assert f"checkpoint='timm://{src}'" in report


def test_tag_is_fetched_up_front_and_converted_on_init(resnet50d, tmp_path,
                                                       monkeypatch):
    """``timm://TAG`` with the hub replaced by a local server: fetched into
    the hub cache before the run, converted by ``init_weights``; the
    ``module.`` prefix and ``state_dict`` container of a training
    checkpoint are unwrapped."""
    model, x, expected = resnet50d
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    served = tmp_path / 'hub' / 'resnet50d.test_in1k'
    served.mkdir(parents=True)
    state = {f'module.{k}': v for k, v in model.state_dict().items()}
    torch.save(dict(state_dict=state, epoch=3), served / 'model.pth')
    with serve_directory(tmp_path / 'hub') as base:
        monkeypatch.setattr(timm_resnet, 'HUB_URL', base + '/{tag}/model.pth')
        init_cfg = dict(
            type='Pretrained', checkpoint='timm://resnet50d.test_in1k')
        fetch_pretrained_checkpoints(
            Config(dict(model=dict(backbone=dict(init_cfg=init_cfg)))))
    cached = source_cache_path(f'{base}/resnet50d.test_in1k/model.pth')
    assert Path(cached).is_file()
    assert max_abs_diff(
        backbone_outputs(dict(R50D, init_cfg=init_cfg), x), expected) <= 1e-5


def test_refused_tag_stops_up_front():
    cfg = Config(
        dict(
            model=dict(
                backbone=dict(
                    init_cfg=dict(
                        type='Pretrained',
                        checkpoint='timm://resnet50_gn.a1h_in1k')))))
    with pytest.raises(
            SystemExit,
            match="model.backbone.init_cfg: timm's resnet50_gn "
            'does not map to AttentionResNet: GroupNorm'):
        fetch_pretrained_checkpoints(cfg)


def test_extra_key_is_named(resnet50d):
    state = dict(resnet50d[0].state_dict())
    state['layer2.0.se.gate.weight'] = torch.zeros(1)
    with pytest.raises(ValueError, match=r'layer2\.0\.se\.gate\.weight'):
        timm_resnet.convert(state)
