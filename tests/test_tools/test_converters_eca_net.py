"""The ECA-Net authors' ECA-ResNets -> AttentionResNet
(``mmdet_attn.models.weight_converters.eca_net``, its command line and the
``ecanet://`` scheme): after conversion the backbone computes what their
architecture (written from the paper and their key layout,
``converter_sources``) computes with the same weights, offline."""
import argparse
import hashlib
import re

import pytest
import torch
from converter_sources import (ECALayer, ReferenceResNet, max_abs_diff,
                               random_reference, serve_directory)
from mmdet.registry import MODELS
from mmengine.config import Config
from safetensors.torch import save_file
from tool_runner import load_tool

from mmdet_attn.models.weight_converters import (eca_net, resolve_source,
                                                 source_cache_path)
from mmdet_attn.utils import fetch_pretrained_checkpoints

#: Their released ECA-ResNet-50's kernel sizes (eca_resnet50_k3557).
KERNELS = (3, 5, 5, 7)
R50_CFG = dict(
    type='AttentionResNet',
    depth=50,
    attention=[dict(type='ECA', kernel_size=k) for k in KERNELS])


def eca_resnet(blocks, bottleneck: bool, kernels) -> ReferenceResNet:
    return random_reference(
        ReferenceResNet(blocks, bottleneck,
                        lambda channels, stage: ECALayer(kernels[stage]),
                        'eca'), '.eca.')


@pytest.fixture(scope='module')
def eca_r50():
    """A random ECA-ResNet-50 (k 3, 5, 5, 7), an input and its outputs."""
    torch.manual_seed(0)
    model = eca_resnet((3, 4, 6, 3), True, KERNELS)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        return model, x, model(x)


def training_checkpoint(model) -> dict:
    """The layout of their released files: DataParallel keys under
    ``state_dict``, with the epoch, accuracy and optimizer state."""
    return dict(
        epoch=100,
        arch='eca_resnet50',
        state_dict={f'module.{k}': v
                    for k, v in model.state_dict().items()},
        best_prec1=torch.tensor(77.42),
        optimizer=dict(
            state={0: dict(momentum_buffer=torch.zeros(3))},
            param_groups=[dict(lr=1e-4, momentum=0.9, params=[0])]))


def outputs(weights, cfg, x):
    backbone = MODELS.build(cfg)
    backbone.load_state_dict(weights, strict=True)
    with torch.no_grad():
        return backbone.eval()(x)


def check_parity(source, x, expected, cfg) -> None:
    """Convert ``source``'s weights, check the config and the outputs."""
    weights, converted_cfg = eca_net.convert(source.state_dict())
    assert converted_cfg == cfg
    diff = max_abs_diff(outputs(weights, cfg, x), expected)
    print(f'ECA-Net ECA-ResNet-{cfg["depth"]}: {len(weights)} tensors, '
          f'max |diff| {diff:.2e}')
    assert len(weights) == len(source.state_dict()) - 2  # fc dropped
    assert diff <= 1e-5


def test_converted_resnet50_computes_the_authors_network(eca_r50):
    check_parity(*eca_r50, R50_CFG)


def test_converted_resnet18_computes_the_authors_network():
    torch.manual_seed(0)
    source = eca_resnet((2, 2, 2, 2), False, (3, 3, 3, 3))
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        expected = source(x)
    cfg = dict(
        type='AttentionResNet',
        depth=18,
        attention=dict(type='ECA', kernel_size=3))
    check_parity(source, x, expected, cfg)


def test_command_line_writes_a_loadable_named_checkpoint(
        eca_r50, tmp_path, capsys):
    model, x, expected = eca_r50
    src = tmp_path / 'eca_resnet50_k3557.pth.tar'
    torch.save(training_checkpoint(model), src)
    load_tool('model_converters/eca_net.py').main(
        [str(src), str(tmp_path / 'out')])
    written, = (tmp_path / 'out').glob('*.pth')
    sha = hashlib.sha256(written.read_bytes()).hexdigest()
    assert written.name == f'eca_resnet50_k3557_attention_resnet-{sha[:8]}.pth'
    checkpoint = torch.load(written, weights_only=True)
    assert checkpoint['meta'] == dict(
        source=str(src),
        converter='mmdet_attn.models.weight_converters.eca_net',
        backbone_cfg=R50_CFG)
    assert max_abs_diff(
        outputs(checkpoint['state_dict'], R50_CFG, x), expected) <= 1e-5
    report = capsys.readouterr().out
    assert f'{written}: 334 tensors of {src}' in report
    assert "attention=[dict(type='ECA', kernel_size=3), " in report
    assert f"checkpoint='{written}'" in report
    assert f"checkpoint='ecanet://{src}'" in report


def test_safetensors_input_and_a_named_output_file(eca_r50, tmp_path):
    model, x, expected = eca_r50
    src = tmp_path / 'eca.safetensors'
    save_file(model.state_dict(), str(src))
    load_tool('model_converters/eca_net.py').main(
        [str(src), str(tmp_path / 'eca_r50.pth')])
    written, = tmp_path.glob('eca_r50-*.pth')
    weights = torch.load(written, weights_only=True)['state_dict']
    assert max_abs_diff(outputs(weights, R50_CFG, x), expected) <= 1e-5


def test_scheme_converts_on_init_from_a_url_cached_once(
        eca_r50, tmp_path, monkeypatch):
    """``ecanet://URL``: fetched up front into the hub cache (as
    ``tools/train.py`` does), then converted by ``init_weights`` from the
    cache, with the server gone."""
    model, x, expected = eca_r50
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    served = tmp_path / 'served'
    served.mkdir()
    torch.save(training_checkpoint(model), served / 'eca_r50.pth.tar')
    with serve_directory(served) as base:
        checkpoint = f'ecanet://{base}/eca_r50.pth.tar'
        init_cfg = dict(type='Pretrained', checkpoint=checkpoint)
        fetch_pretrained_checkpoints(
            Config(dict(model=dict(backbone=dict(init_cfg=init_cfg)))))
    cached = source_cache_path(resolve_source(checkpoint).location)
    assert cached.startswith(str(tmp_path / 'torch'))
    assert cached.endswith('eca_r50.pth.tar')
    backbone = MODELS.build(dict(R50_CFG, init_cfg=init_cfg))
    backbone.init_weights()
    with torch.no_grad():
        diff = max_abs_diff(backbone.eval()(x), expected)
    assert diff <= 1e-5


def test_missing_local_file_stops_up_front_with_the_ways_on(tmp_path):
    missing = tmp_path / 'eca_resnet50_k3557.pth.tar'
    cfg = Config(
        dict(
            model=dict(
                backbone=dict(
                    init_cfg=dict(
                        type='Pretrained',
                        checkpoint=f'ecanet://{missing}')))))
    with pytest.raises(SystemExit) as error:
        fetch_pretrained_checkpoints(cfg)
    message = str(error.value)
    assert message.startswith(f'model.backbone.init_cfg: the pretrained '
                              f'checkpoint {missing} (of ecanet://')
    assert 'https://github.com/BangguWu/ECANet' in message
    assert ('--cfg-options model.backbone.init_cfg.checkpoint=ecanet:///'
            'path/to/eca_resnet50_k3557.pth.tar') in message
    assert 'python tools/model_converters/eca_net.py' in message
    assert '--cfg-options model.backbone.init_cfg=None' in message


def test_refusals_name_the_keys(eca_r50):
    state = eca_r50[0].state_dict()
    extra = dict(state, **{'layer1.0.se.fc1.weight': torch.zeros(4, 256)})
    with pytest.raises(ValueError, match=r'layer1\.0\.se\.fc1\.weight'):
        eca_net.convert(extra)
    plain = {k: v for k, v in state.items() if '.eca.' not in k}
    with pytest.raises(
            ValueError,
            match="not an ECA-Net authors' ECA-ResNet checkpoint: "
            'expected ECA layers in every block'):
        eca_net.convert(plain)
    mixed = dict(state, **{'layer2.1.eca.conv.weight': torch.zeros(1, 1, 3)})
    with pytest.raises(ValueError, match='layer2 mixes attention layers'):
        eca_net.convert(mixed)
    wrong = dict(state, **{'layer3.0.conv2.weight': torch.zeros(256, 256, 1)})
    with pytest.raises(
            ValueError,
            match=re.escape('layer3.0.conv2.weight: (256, 256, 1)'
                            ' vs (256, 256, 3, 3)')):
        eca_net.convert(wrong)


def test_pickled_extras_are_refused_with_the_way_on(eca_r50, tmp_path):
    src = tmp_path / 'with_args.pth.tar'
    torch.save(
        dict(training_checkpoint(eca_r50[0]), args=argparse.Namespace(lr=1)),
        src)
    with pytest.raises(SystemExit) as error:
        load_tool('model_converters/eca_net.py').main(
            [str(src), str(tmp_path)])
    message = str(error.value)
    assert message.startswith(f'{src}: the file holds pickled objects')
    assert 'weights-only loading refuses' in message
    # The way on names the pickled types and keeps weights-only loading.
    assert 'argparse.Namespace' in message
    assert 'torch.serialization.safe_globals' in message
    assert 'weights_only=False' not in message
