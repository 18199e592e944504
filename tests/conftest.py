"""Session fixtures shared by the test suite."""
from pathlib import Path

import pytest


@pytest.fixture(scope='session')
def tiny_custom27(tmp_path_factory) -> Path:
    """8 train and 4 val images of the synthetic 27-class dataset."""
    from mmdet_attn.datasets import generate_custom27
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
        'default_hooks.logger.interval=1',
        'model.test_cfg.rcnn.score_thr=0.0')
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert (work_dir / 'epoch_1.pth').is_file()
    return work_dir
