"""The analysis commands of docs/openmmlab_workflow.md on a briefly trained
custom27 detector (the shared ``trained_attn_r18`` fixture): MMDetection's
stock ``get_flops.py`` and ``confusion_matrix.py`` as they are, and this
package's ``benchmark_detector.py`` (inference FPS on the CPU) and
``plot_curves.py`` (loss and mAP curves).

The scripts run in this process as ``__main__`` with their command line
(``run_script``): the same code path as from a shell, without a fresh
interpreter importing torch and MMDetection for each (about 10 s of CPU
apiece here)."""
import json
import os
import re
import runpy
import sys

import matplotlib.image
import pytest
from tool_runner import CONFIG_DIR, REPO_ROOT

CONFIG = CONFIG_DIR / 'faster_rcnn_attn_r18_custom27.py'
TOOLS = REPO_ROOT / 'tools'


def stock_tool(name: str) -> str:
    import mmdet
    return os.path.join(
        os.path.dirname(mmdet.__file__), '.mim', 'tools', 'analysis_tools',
        name)


def run_script(monkeypatch, script, *args) -> None:
    """Run ``python script *args`` in this process, from the repository
    root."""
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.setattr(sys, 'argv', [str(script), *map(str, args)])
    runpy.run_path(str(script), run_name='__main__')


def split_options(data_root, *splits):
    """The stock tools take no one-key ``data_root``: repoint each split."""
    options = []
    for split in splits:
        options += [
            f'{split}_dataloader.dataset.data_root={data_root}/',
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False'
        ]
    return options


def test_stock_get_flops_counts_the_whole_detector(tiny_custom27, monkeypatch,
                                                   capsys):
    run_script(monkeypatch, stock_tool('get_flops.py'), CONFIG, '--num-images',
               1, '--cfg-options', *split_options(tiny_custom27, 'val'))
    out = capsys.readouterr().out
    flops = re.search(r'Flops: ([\d.]+)G', out)
    params = re.search(r'Params: ([\d.]+)M', out)
    assert flops and params, out[-3000:]
    assert float(flops.group(1)) > 0.1

    from mmdet.registry import MODELS
    from mmengine.config import Config
    model = MODELS.build(Config.fromfile(str(CONFIG)).model)
    count = sum(p.numel() for p in model.parameters())
    assert abs(float(params.group(1)) - count / 1e6) < 0.001


def test_test_predictions_to_stock_confusion_matrix(trained_attn_r18,
                                                    tiny_custom27, tmp_path,
                                                    monkeypatch):
    preds = tmp_path / 'preds.pkl'
    run_script(monkeypatch, TOOLS / 'test.py', CONFIG,
               trained_attn_r18 / 'epoch_1.pth', '--work-dir',
               tmp_path / 'test', '--out', preds, '--cfg-options',
               f'data_root={tiny_custom27}/', 'test_dataloader.num_workers=0',
               'test_dataloader.persistent_workers=False',
               'model.test_cfg.rcnn.score_thr=0.0')
    assert preds.is_file()

    out_dir = tmp_path / 'confusion'
    run_script(monkeypatch, stock_tool('confusion_matrix.py'), CONFIG, preds,
               out_dir, '--score-thr', '0.0', '--cfg-options',
               *split_options(tiny_custom27, 'test'))
    image = matplotlib.image.imread(out_dir / 'confusion_matrix.png')
    # 27 classes + background: a large figure, not an empty one.
    assert image.shape[0] > 500 and image.shape[1] > 500
    assert image[..., :3].std() > 0.05


@pytest.fixture(scope='module')
def analysis_tools():
    """This package's analysis tools as modules."""
    sys.path.insert(0, str(TOOLS / 'analysis_tools'))
    try:
        import benchmark_detector
        import plot_curves
    finally:
        sys.path.pop(0)
    return benchmark_detector, plot_curves


def test_benchmark_detector_on_the_cpu(trained_attn_r18, tiny_custom27,
                                       tmp_path, monkeypatch, capsys):
    run_script(monkeypatch, TOOLS / 'analysis_tools' / 'benchmark_detector.py',
               CONFIG, trained_attn_r18 / 'epoch_1.pth', '--device', 'cpu',
               '--max-iter', 6, '--num-warmup', 1, '--log-interval', 2,
               '--work-dir', tmp_path, '--cfg-options',
               f'data_root={tiny_custom27}/', 'model.test_cfg.rpn.nms_pre=50',
               'model.test_cfg.rpn.max_per_img=20')
    result = json.loads((tmp_path / 'benchmark.json').read_text())
    assert result['device'] == 'cpu' and len(result['fps_list']) == 1
    assert 0 < result['avg_fps'] < 1000
    log = (tmp_path / 'benchmark.log').read_text()
    # 6 images from a 4-image split (cycled), 5 timed: logged at 2 and 4.
    assert 'Done image [3  /6]' in log and 'Done image [5  /6]' in log
    assert 'Overall fps:' in log and 'on cpu' in log


@pytest.mark.parametrize('args, message', [
    (['--max-iter', '3', '--num-warmup', '3'
      ], '--num-warmup (3) must be smaller than --max-iter (3)'),
    (['--device', 'tpu'], '--device must be cpu, cuda or cuda:N'),
])
def test_benchmark_detector_refuses_bad_arguments(analysis_tools,
                                                  trained_attn_r18, args,
                                                  message, capsys):
    benchmark_detector, _ = analysis_tools
    with pytest.raises(SystemExit) as exit_info:
        benchmark_detector.parse_args(
            [str(CONFIG),
             str(trained_attn_r18 / 'epoch_1.pth'), *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_plot_curves_of_loss_and_map(analysis_tools, trained_attn_r18,
                                     tmp_path, capsys):
    _, plot_curves = analysis_tools
    out = tmp_path / 'curves.png'
    plot_curves.main([
        str(trained_attn_r18),
        str(trained_attn_r18), '--keys', 'loss', 'bbox_mAP', '--legend', 'a',
        'b', '--out',
        str(out)
    ])
    printed = capsys.readouterr().out
    assert 'a: loss: 2 points' in printed and 'at iter 2' in printed
    assert 'a: coco/bbox_mAP: 1 points' in printed and 'at epoch 1' in printed
    image = matplotlib.image.imread(out)
    assert image.shape[:2] == (560, 700)  # two panels of 7 x 2.8 in
    assert image[..., :3].std() > 0.05

    scalars = plot_curves.find_scalars(str(trained_attn_r18))
    curves = plot_curves.read_curves(scalars)
    assert curves['loss'][0] == [1, 2] and curves['loss'][2] == 'iter'
    assert curves['coco/bbox_mAP'][0] == [1]
    assert curves['val/time'][2] == 'epoch' and 'time' in curves


def test_plot_curves_names_what_was_logged(analysis_tools, trained_attn_r18,
                                           tmp_path):
    _, plot_curves = analysis_tools
    with pytest.raises(
            SystemExit,
            match=r"'segm_mAP' was not logged .*"
            r"logged: \[.*'loss'"):
        plot_curves.main([
            str(trained_attn_r18), '--keys', 'segm_mAP', '--out',
            str(tmp_path / 'c.png')
        ])
    with pytest.raises(SystemExit, match='neither a scalars.json'):
        plot_curves.main([str(tmp_path)])
