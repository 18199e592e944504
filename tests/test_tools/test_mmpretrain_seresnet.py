"""tools/model_converters/mmpretrain_seresnet.py against MMPretrain's own
SEResNet: after conversion, the SE AttentionResNet computes what
MMPretrain's network computes with the same weights.

MMPretrain's package imports torchvision, which cannot be installed beside
a CPU torch here, so its backbone files are loaded without running the
package's ``__init__``: stand-in package modules point at the installed
source folders, and only ``seresnet.py`` and what it imports are executed.
"""
import importlib
import importlib.util
import sys
import types
from pathlib import Path

import pytest
import torch
from backbone_checks import randomize
from mmengine.registry import Registry
from tool_runner import run_python_tool

from mmdet_attn.models.backbones import AttentionResNet
from mmdet_attn.models.weight_converters.mmpretrain_seresnet import convert


@pytest.fixture
def mmpretrain_seresnet(monkeypatch):
    """MMPretrain's ``SEResNet`` class, from its installed source."""
    root = Path(importlib.util.find_spec('mmpretrain').origin).parent
    for name in list(sys.modules):
        if name.startswith('mmpretrain'):
            monkeypatch.delitem(sys.modules, name)
    packages = {
        'mmpretrain': root,
        'mmpretrain.models': root / 'models',
        'mmpretrain.models.backbones': root / 'models' / 'backbones',
        'mmpretrain.models.utils': root / 'models' / 'utils',
    }
    for name, path in packages.items():
        package = types.ModuleType(name)
        package.__path__ = [str(path)]
        monkeypatch.setitem(sys.modules, name, package)
    registry = types.ModuleType('mmpretrain.registry')
    registry.MODELS = Registry('mmpretrain test stand-in')
    monkeypatch.setitem(sys.modules, 'mmpretrain.registry', registry)
    module = importlib.import_module('mmpretrain.models.backbones.seresnet')
    return module.SEResNet


def test_converted_seresnet_computes_mmpretrains(mmpretrain_seresnet,
                                                 tmp_path):
    torch.manual_seed(0)
    reference = randomize(
        mmpretrain_seresnet(depth=50, out_indices=(0, 1, 2, 3)))
    for name, param in reference.named_parameters():
        if 'se_layer' in name:
            param.data.normal_(0, 0.1)
    state = {f'backbone.{k}': v for k, v in reference.state_dict().items()}
    state['head.fc.weight'] = torch.zeros(1000, 2048)
    src, dst = tmp_path / 'mmpretrain.pth', tmp_path / 'converted.pth'
    torch.save(dict(state_dict=state, meta=dict(epoch=100)), src)

    result = run_python_tool('model_converters/mmpretrain_seresnet.py',
                             str(src), str(dst))
    assert result.returncode == 0, result.stdout + result.stderr

    model = AttentionResNet(depth=50, attention=dict(type='SE'))
    written, = tmp_path.glob('converted-*.pth')  # named by its sha256
    weights = torch.load(written, weights_only=True)['state_dict']
    model.load_state_dict(weights, strict=True)
    x = torch.rand(2, 3, 64, 96)
    reference.eval()  # ResNet.train returns None
    model.eval()
    with torch.no_grad():
        expected, outs = reference(x), model(x)
    for out, ref in zip(outs, expected):
        assert (out - ref).abs().max() <= 1e-5


def test_converter_refuses_a_plain_resnet():
    from mmdet.models.backbones import ResNet
    state = {f'backbone.{k}': v for k, v in ResNet(50).state_dict().items()}
    with pytest.raises(ValueError, match='not an MMPretrain SE-ResNet'):
        convert(state)
