"""The CBAM authors' ResNet + CBAM -> AttentionResNet
(``mmdet_attn.models.weight_converters.cbam_authors``, its command line
and the ``cbam://`` scheme): after conversion the backbone computes what
their architecture (written from the paper and their key layout,
``converter_sources``; spatial pool max first) computes with the same
weights, offline."""
import hashlib
import re

import pytest
import torch
from converter_sources import (CBAMModule, ReferenceResNet, max_abs_diff,
                               random_reference, serve_directory)
from mmdet.registry import MODELS
from safetensors.torch import save_file
from tool_runner import load_tool

from mmdet_attn.models.weight_converters import cbam_authors

CFG = dict(
    type='AttentionResNet',
    depth=50,
    attention=dict(type='CBAM', ratio=16, spatial_norm_cfg=dict(type='BN')))


@pytest.fixture(scope='module')
def cbam_r50():
    """A random ResNet-50 + CBAM, an input and its outputs."""
    torch.manual_seed(0)
    model = random_reference(
        ReferenceResNet((3, 4, 6, 3), True,
                        lambda channels, stage: CBAMModule(channels), 'cbam'),
        '.cbam.')
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        return model, x, model(x)


def outputs(weights, x, **cfg):
    backbone = MODELS.build(dict(CFG, **cfg))
    if weights is not None:
        backbone.load_state_dict(weights, strict=True)
    else:
        backbone.init_weights()
    with torch.no_grad():
        return backbone.eval()(x)


def test_converted_backbone_computes_the_authors_network(cbam_r50):
    model, x, expected = cbam_r50
    state = model.state_dict()
    weights, cfg = cbam_authors.convert(state)
    assert cfg == CFG
    diff = max_abs_diff(outputs(weights, x), expected)
    print(f'CBAM authors ResNet-50 + CBAM: {len(weights)} tensors, '
          f'max |diff| {diff:.2e}')
    assert diff <= 1e-5
    assert len(weights) == len(state) - 2  # fc dropped
    # Their spatial pool is (max, mean), ours (mean, max).
    source = state['layer3.2.cbam.SpatialGate.spatial.conv.weight']
    converted = weights['layer3.2.cbam.spatial_gate.conv.conv.weight']
    torch.testing.assert_close(converted[:, 0], source[:, 1])
    torch.testing.assert_close(converted[:, 1], source[:, 0])


def test_their_training_checkpoint_converts_by_the_command_line(
        cbam_r50, tmp_path, capsys):
    """Their file: ``module.`` keys under ``state_dict`` beside the epoch,
    the accuracy and the optimizer state, read weights-only."""
    model, x, expected = cbam_r50
    src = tmp_path / 'RESNET50_CBAM_new_name_wrap.pth'
    torch.save(
        dict(
            epoch=100,
            arch='resnet',
            best_prec1=77.62,
            state_dict={
                f'module.{k}': v
                for k, v in model.state_dict().items()
            },
            optimizer=dict(
                state={1: dict(momentum_buffer=torch.ones(2))},
                param_groups=[dict(lr=1e-3, weight_decay=1e-4, params=[1])])),
        src)
    load_tool('model_converters/cbam_authors.py').main(
        [str(src), str(tmp_path)])
    written, = tmp_path.glob('RESNET50_CBAM_new_name_wrap_attention_resnet-*')
    sha = hashlib.sha256(written.read_bytes()).hexdigest()
    assert written.stem.endswith(sha[:8])
    checkpoint = torch.load(written, weights_only=True)
    assert checkpoint['meta']['backbone_cfg'] == CFG
    assert max_abs_diff(outputs(checkpoint['state_dict'], x), expected) <= 1e-5
    report = capsys.readouterr().out
    assert "spatial_norm_cfg=dict(type='BN')" in report
    assert f"checkpoint='cbam://{src}'" in report


def test_safetensors_from_a_url_converts_on_init(cbam_r50, tmp_path,
                                                 monkeypatch):
    model, x, expected = cbam_r50
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    save_file(model.state_dict(), str(tmp_path / 'cbam_r50.safetensors'))
    with serve_directory(tmp_path) as base:
        init_cfg = dict(
            type='Pretrained',
            checkpoint=f'cbam://{base}/cbam_r50.safetensors')
        diff = max_abs_diff(outputs(None, x, init_cfg=init_cfg), expected)
    assert diff <= 1e-5
    assert (tmp_path / 'torch' / 'hub' / 'checkpoints' /
            'cbam_r50.safetensors').is_file()


def test_refusals_name_the_keys(cbam_r50, tmp_path):
    state = cbam_r50[0].state_dict()
    wrong = dict(state, **{'layer4.2.eca.conv.weight': torch.zeros(1, 1, 7)})
    with pytest.raises(ValueError, match=r'layer4\.2\.eca\.conv\.weight'):
        cbam_authors.convert(wrong)
    no_spatial = {k: v for k, v in state.items() if 'SpatialGate' not in k}
    with pytest.raises(
            ValueError, match=r'missing layer1\.0\.cbam\.spatial_gate'):
        cbam_authors.convert(no_spatial)
    # Through the scheme: the message starts with the checkpoint string.
    src = tmp_path / 'wrong.pth'
    torch.save(wrong, src)
    with pytest.raises(
            ValueError, match=re.escape(f'cbam://{src}: keys with no place')):
        outputs(
            None,
            cbam_r50[1],
            init_cfg=dict(type='Pretrained', checkpoint=f'cbam://{src}'))
