"""Each RetinaNet and Cascade R-CNN ``_custom27`` config trains 2
iterations through ``tools/train.py`` (2 images of the tiny split, batch 1),
validates on one image, and writes its checkpoint."""
import json

import pytest

from tool_runner import CONFIG_DIR, data_options, run_python_tool

CONFIGS = sorted(
    p.name for detector in ('retinanet', 'cascade_rcnn')
    for p in CONFIG_DIR.glob(f'{detector}_*_custom27.py'))


def test_every_backbone_has_its_twins():
    assert CONFIGS == [
        f'{detector}_{backbone}_custom27.py'
        for detector in ('cascade_rcnn', 'retinanet')
        for backbone in ('attn_r18', 'cbam_r50', 'se_r50')
    ]


@pytest.mark.parametrize('config', CONFIGS)
def test_trains_two_iterations(config, tiny_custom27, tmp_path):
    # After 2 iterations no score reaches the default thresholds; with 0 the
    # validation has boxes to evaluate.
    score_thr = ('model.test_cfg.score_thr=0.0' if config.startswith(
        'retinanet') else 'model.test_cfg.rcnn.score_thr=0.0')
    proc = run_python_tool('train.py', str(CONFIG_DIR / config),
                           '--work-dir', str(tmp_path), '--cfg-options',
                           *data_options(tiny_custom27),
                           'train_dataloader.batch_size=1',
                           'train_dataloader.dataset.indices=2',
                           'val_dataloader.dataset.indices=1',
                           'train_cfg.max_epochs=1',
                           'train_cfg.val_interval=1', score_thr)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert (tmp_path / 'epoch_1.pth').is_file()
    scalars = sorted(tmp_path.glob('*/vis_data/scalars.json'))
    records = [
        json.loads(line) for line in scalars[-1].read_text().splitlines()
    ]
    assert any('loss' in r for r in records)
    assert 'coco/bbox_mAP' in records[-1]
