"""Session fixtures shared by the test suite."""
from pathlib import Path
from typing import Dict, List

import pytest


@pytest.fixture(scope='session')
def tiny_custom27(tmp_path_factory) -> Path:
    """8 train and 4 val images of the synthetic 27-class dataset."""
    from mmdet_attn.datasets.synthetic_custom27 import generate_custom27
    root = tmp_path_factory.mktemp('custom27')
    generate_custom27(root, num_train=8, num_val=4, img_size=128, seed=0)
    return root


@pytest.fixture(scope='session')
def trained_attn_r18(tiny_custom27, tmp_path_factory) -> Path:
    """``faster_rcnn_attn_r18_custom27.py`` trained 2 iterations (1 epoch)
    by ``tools/train.py`` on :func:`tiny_custom27`: the work dir, with
    ``epoch_1.pth`` and a log of both iterations and of a validation with
    detections (score threshold 0, so ``coco/bbox_mAP`` is logged). Shared
    by the tests of the tools that read checkpoints or logs.
    """
    from tool_runner import CONFIG_DIR, data_options, run_python_tool
    work_dir = tmp_path_factory.mktemp('attn_r18')
    proc = run_python_tool(
        'train.py', str(CONFIG_DIR / 'faster_rcnn_attn_r18_custom27.py'),
        '--work-dir', str(work_dir), '--cfg-options',
        *data_options(tiny_custom27), 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1', 'randomness.seed=0',
        'default_hooks.logger.interval=1', 'model.test_cfg.rcnn.score_thr=0.0')
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert (work_dir / 'epoch_1.pth').is_file()
    return work_dir


def _two_iteration_options(config: Path, data_root: Path) -> List[str]:
    """--cfg-options for 2 iterations of batch 1 on 2 train images, then a
    validation on 1 image with every box kept (after 2 iterations no score
    reaches the default thresholds); a checkpoint without the optimizer."""
    from tool_runner import data_options
    score_thr = ('model.test_cfg.score_thr=0.0'
                 if config.stem.startswith('retinanet') else
                 'model.test_cfg.rcnn.score_thr=0.0')
    return [
        *data_options(data_root), 'train_dataloader.batch_size=1',
        'train_dataloader.dataset.indices=2',
        'val_dataloader.dataset.indices=1', 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1', score_thr,
        'default_hooks.checkpoint.save_optimizer=False'
    ]


@pytest.fixture(scope='session')
def trained_custom27(tiny_custom27, tmp_path_factory) -> Dict[str, Path]:
    """Every ``_custom27`` config and ``tool_runner.GROUP_NORM_FLAGSHIP``
    trained 2 iterations by ``tools/train.py``, each validated at the end,
    and ``tool_runner.COMPILED_FLAGSHIP`` trained 1 iteration: config name
    -> work dir. The runs go through the tool's ``main`` in one
    process (``tests/helpers/train_many.py``): one interpreter start-up
    instead of one per config. A failed run leaves ``train_error.txt`` in
    its work dir (``tool_runner.assert_trained``) and the others go on.
    The checkpoints hold no optimizer state."""
    from tool_runner import (COMPILED_FLAGSHIP, CONFIG_DIR,
                             GROUP_NORM_FLAGSHIP, train_in_one_process)
    root = tmp_path_factory.mktemp('custom27_trains')
    flagship = CONFIG_DIR / 'faster_rcnn_attn_r18_custom27.py'
    group_norm = root / f'{GROUP_NORM_FLAGSHIP}.py'
    group_norm.write_text(
        f'_base_ = {str(flagship)!r}\n'
        'model = dict(backbone=dict(\n'
        "    norm_cfg=dict(type='GN', num_groups=32, requires_grad=True)))\n")
    configs = sorted(CONFIG_DIR.glob('*_custom27.py')) + [group_norm]
    work_dirs = {config.stem: root / config.stem for config in configs}
    runs = [[
        str(config), '--work-dir',
        str(work_dirs[config.stem]), '--cfg-options',
        *_two_iteration_options(config, tiny_custom27)
    ] for config in configs]
    work_dirs[COMPILED_FLAGSHIP] = root / COMPILED_FLAGSHIP
    runs.append([
        str(flagship), '--work-dir',
        str(work_dirs[COMPILED_FLAGSHIP]), '--cfg-options',
        *_two_iteration_options(flagship, tiny_custom27),
        'train_dataloader.dataset.indices=1', 'compile.backend=eager'
    ])
    train_in_one_process(runs, root / 'runs.json')
    return work_dirs
