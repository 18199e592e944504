"""tools/vis_attention.py end to end: two attention detectors trained for two
iterations through tools/train.py (:func:`conftest.trained_custom27`), then
drawn for one val image; a plain ResNet (Grad-CAM only) and bad arguments
through the tool's ``main``."""
import importlib.util
import json
import sys

import mmcv
import numpy as np
import pytest
import torch
from tool_runner import CONFIG_DIR, REPO_ROOT, start_tool

CONFIGS = {
    'attn_r18': CONFIG_DIR / 'faster_rcnn_attn_r18_custom27.py',
    'cbam_r50': CONFIG_DIR / 'faster_rcnn_cbam_r50_custom27.py',
}
# Expected maps: (module path, kind) -> number of channels (0: spatial).
EXPECTED = {
    'attn_r18': {
        **{(f'backbone.layer{i}_attention.gate', 'spatial'): 0
           for i in range(1, 5)},
        **{(f'backbone.layer{i}_attention.eca', 'channel'): 32 * 2**i
           for i in range(1, 5)},
    },
    'cbam_r50': {(f'backbone.layer{i}.{block}.cbam.{kind}_gate', kind):
                 0 if kind == 'spatial' else 128 * 2**i
                 for i, blocks in enumerate((3, 4, 6, 3), 1)
                 for block in range(blocks)
                 for kind in ('spatial', 'channel')},
}
# The largest value of each kind of map: the flagship's gates and ECA start
# as the identity, 2 * sigmoid, in [0, 2]; the others are sigmoids.
UPPER = {
    ('attn_r18', 'spatial'): 2,
    ('attn_r18', 'channel'): 2,
    ('attn_r18', 'gradcam'): 1,
    ('cbam_r50', 'spatial'): 1,
    ('cbam_r50', 'channel'): 1,
    ('cbam_r50', 'gradcam'): 1,
}
# The two runs share the 2 cores, one thread each.
ONE_THREAD = {'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}


def _finish(procs):
    """Wait for every process; return their output, failing on an error."""
    outputs = {}
    for name, proc in procs.items():
        outputs[name] = proc.communicate(timeout=600)[0]
        assert proc.returncode == 0, f'{name}:\n{outputs[name][-5000:]}'
    return outputs


@pytest.fixture(scope='module')
def val_image(tiny_custom27):
    return sorted((tiny_custom27 / 'val').glob('*.png'))[0]


@pytest.fixture(scope='module')
def vis_runs(trained_custom27, val_image, tmp_path_factory):
    """Run the tool on one val image with each trained detector."""
    root = tmp_path_factory.mktemp('vis_attention')
    logs = _finish({
        name: start_tool([
            sys.executable,
            str(REPO_ROOT / 'tools' / 'vis_attention.py'),
            str(config),
            str(trained_custom27[config.stem] / 'epoch_1.pth'),
            str(val_image), '--out-dir',
            str(root / name), '--save-arrays'
        ], ONE_THREAD)
        for name, config in CONFIGS.items()
    })
    return {name: (root / name, logs[name]) for name in CONFIGS}


def _assert_png(path):
    png = mmcv.imread(str(path))
    assert png is not None, f'{path} does not decode'
    assert min(png.shape[:2]) >= 200 and png.std() > 10, path


@pytest.mark.parametrize('name', list(CONFIGS))
def test_maps_of_a_briefly_trained_detector(vis_runs, name):
    out_dir, log = vis_runs[name]
    summary = json.loads((out_dir / 'maps.json').read_text())
    arrays = dict(np.load(out_dir / 'maps.npz'))
    assert summary['image_shape'] == [128, 128]
    assert summary['detection'] is not None
    expected = EXPECTED[name]
    assert sorted(summary['attention_layers']) == sorted(
        {layer
         for layer, _ in expected})
    found = {(m['name'], m['kind']): m for m in summary['maps']}
    assert set(found) == set(expected) | {('gradcam', 'gradcam')}
    for (layer, kind), record in found.items():
        assert record['file'] in log, 'the tool lists every file'
        _assert_png(out_dir / record['file'])
        values = arrays[record['file'][:-len('.png')]]
        assert values.min() >= 0 and values.max() <= UPPER[name, kind], (
            record['file'])
        assert (float(values.min()), float(values.max())) == (record['min'],
                                                              record['max'])
        if kind == 'channel':
            assert values.shape == (expected[layer, kind], )
        else:
            assert values.shape == (128, 128)
    cam = found['gradcam', 'gradcam']
    assert cam['layer'] == 'backbone'
    # After one iteration the top box may have no positive evidence at the
    # deepest layer; the tool then says so instead of drawing a blank.
    if cam['max'] == 0:
        note, = summary['notes']
        assert 'is zero everywhere' in note and note in log
    else:
        assert cam['max'] > 0 and summary['notes'] == []
    assert cam['class_name'] in log


def _tool():
    """tools/vis_attention.py as a module, to call its ``main`` here."""
    spec = importlib.util.spec_from_file_location(
        'vis_attention', REPO_ROOT / 'tools' / 'vis_attention.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _untrained_plain_r18(tmp_path):
    """The plain ResNet-18 custom27 config and an untrained checkpoint."""
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope

    from mmdet_attn.utils import load_run_config
    config = str(CONFIG_DIR / 'faster_rcnn_r18_custom27.py')
    cfg = load_run_config(config)
    init_default_scope('mmdet')
    checkpoint = tmp_path / 'untrained.pth'
    torch.save(
        dict(
            state_dict=MODELS.build(cfg.model).state_dict(),
            meta=dict(dataset_meta=dict(classes=cfg.metainfo['classes']))),
        checkpoint)
    return config, str(checkpoint)


def test_plain_resnet_gets_grad_cam_only(val_image, tmp_path, capsys):
    config, checkpoint = _untrained_plain_r18(tmp_path)
    out_dir = tmp_path / 'vis'
    assert _tool().main(
        [config, checkpoint,
         str(val_image), '--out-dir',
         str(out_dir)]) == 0
    assert sorted(p.name
                  for p in out_dir.iterdir()) == ['gradcam.png', 'maps.json']
    _assert_png(out_dir / 'gradcam.png')
    log = capsys.readouterr().out
    assert ('note: ResNet has no attention gate of mmdet_attn: no attention '
            'maps, Grad-CAM only') in log
    assert '(0 attention layers)' in log


def test_several_images_one_folder_each(tiny_custom27, tmp_path, capsys):
    config, checkpoint = _untrained_plain_r18(tmp_path)
    images = sorted((tiny_custom27 / 'val').glob('*.png'))[:2]
    out_dir = tmp_path / 'vis'
    assert _tool().main([config, checkpoint] + [str(i) for i in images] +
                        ['--out-dir', str(out_dir)]) == 0
    assert sorted(p.name
                  for p in out_dir.iterdir()) == [i.stem for i in images]
    log = capsys.readouterr().out
    for image in images:
        summary = json.loads((out_dir / image.stem / 'maps.json').read_text())
        assert summary['maps'][0]['kind'] == 'gradcam'
        assert f'written to {out_dir / image.stem}' in log
    same_name = tmp_path / 'other' / images[0].name
    same_name.parent.mkdir()
    same_name.write_bytes(images[0].read_bytes())
    with pytest.raises(SystemExit) as exit_info:
        _tool().main([config, checkpoint, str(images[0]), str(same_name)])
    assert exit_info.value.code == 2
    assert 'the images need distinct file names' in capsys.readouterr().err


@pytest.mark.parametrize('missing', ['config', 'checkpoint', 'image'])
def test_missing_file_is_named(missing, val_image, tmp_path, capsys):
    paths = dict(
        config=str(CONFIGS['attn_r18']),
        checkpoint=str(val_image),  # only checked to exist here
        image=str(val_image))
    paths[missing] = str(tmp_path / f'no_{missing}')
    with pytest.raises(SystemExit) as exit_info:
        _tool().main([paths['config'], paths['checkpoint'], paths['image']])
    assert exit_info.value.code == 2
    assert (f"{missing} '{tmp_path / f'no_{missing}'}' does not exist"
            in capsys.readouterr().err)


def test_unreadable_image_is_named(val_image, tmp_path):
    bad = tmp_path / 'not_an_image.png'
    bad.write_text('hello')
    with pytest.raises(SystemExit, match=f"cannot read image '{bad}'"):
        _tool().main([
            str(CONFIGS['attn_r18']),
            str(val_image),
            str(bad), '--out-dir',
            str(tmp_path / 'vis')
        ])
    assert not (tmp_path / 'vis').exists()
