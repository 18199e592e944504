"""``tools/misc/gpu_check.sh`` as far as a machine without a GPU allows:
the dry run prints every step with the settings the check promises, its
training overrides pass the tools' key check, and a real run stops at once
with a clear message when there is no GPU or no carried wheel."""
import argparse
import re
import shlex
import shutil

import pytest
from mmengine.config import DictAction
from tool_runner import REPO_ROOT, run_tool

from mmdet_attn.utils import load_run_config

SCRIPT = str(REPO_ROOT / 'tools' / 'misc' / 'gpu_check.sh')
STEPS = ('install', 'build-mmcv', 'data', 'train', 'test', 'benchmark',
         'train-step')


def dry_run(*args: str, **env: str) -> dict:
    """Each step's time limit and command line of ``gpu_check.sh
    --dry-run``, by name."""
    proc = run_tool(['bash', SCRIPT, '--dry-run', *args], env=env)
    assert proc.returncode == 0, proc.stderr
    budget = int(re.search(r'(\d+) s in all at most', proc.stdout)[1])
    assert budget == int(env.get('GPU_CHECK_BUDGET', 570))
    steps = re.findall(r'^\[(\S+)\] \(timeout (\d+)s\)\n  (.*)$', proc.stdout,
                       re.M)
    return {name: (int(limit), command) for name, limit, command in steps}


def test_dry_run_prints_every_step_within_ten_minutes(tmp_path):
    steps = dry_run('--out-dir', str(tmp_path), '--iters', '50')
    assert tuple(steps) == STEPS
    # Each step stops at its own limit, all together at the budget, which
    # ends inside the device machine's 10 minutes.
    assert all(limit <= 570 for limit, _ in steps.values())
    build = steps['build-mmcv'][1]
    assert 'TORCH_CUDA_ARCH_LIST=9.0' in build and 'MAX_JOBS=' in build
    assert 'MMCV_WITH_OPS=1' in build and 'mmcv-2.1.0.tar.gz' in build
    train = steps['train'][1]
    assert re.search(
        r'tools/dist_train.sh \S+faster_rcnn_attn_r18_custom27'
        r'.py 1 --amp', train)
    assert 'train_dataloader.dataset.indices=200' in train  # 50 x batch 4
    assert 'epoch_1.pth' in steps['test'][1]
    bench = steps['benchmark'][1]
    assert '--device cuda' in bench
    for config in ('faster_rcnn_attn_r18.py', 'faster_rcnn_se_r50.py',
                   'faster_rcnn_eca_r50.py', 'faster_rcnn_cbam_r50.py',
                   'faster_rcnn_sam_r50.py'):
        assert config in bench
    step = steps['train-step'][1]
    assert 'benchmark_train_step.py' in step and '--device cuda' in step
    # Nothing ran: no output directory was made.
    assert list(tmp_path.iterdir()) == []


def test_dry_run_honours_the_arch_jobs_and_budget():
    steps = dry_run(
        TORCH_CUDA_ARCH_LIST='8.0', MAX_JOBS='3', GPU_CHECK_BUDGET='200')
    assert 'TORCH_CUDA_ARCH_LIST=8.0 MAX_JOBS=3' in steps['build-mmcv'][1]
    assert all(limit <= 200 for limit, _ in steps.values())


def test_training_overrides_pass_the_key_check(tmp_path):
    """The check's --cfg-options exist in the flagship config: a typo there
    would only show on the GPU machine."""
    command = shlex.split(dry_run()['train'][1])
    config = next(arg for arg in command if arg.endswith('.py'))
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    options = command[command.index('--cfg-options'):]
    args, _ = parser.parse_known_args(options)
    cfg = load_run_config(
        str(REPO_ROOT / config), args.cfg_options, str(tmp_path))
    assert cfg.train_dataloader.dataset.indices == 200
    assert cfg.train_dataloader.batch_size == 4
    assert cfg.train_cfg.max_epochs == 1


@pytest.mark.skipif(
    shutil.which('nvidia-smi') is not None, reason='a GPU is present')
def test_stops_at_once_without_a_gpu(tmp_path):
    proc = run_tool(['bash', SCRIPT, '--out-dir', str(tmp_path)])
    assert proc.returncode == 1
    assert 'needs an NVIDIA GPU' in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments_are_named():
    proc = run_tool(['bash', SCRIPT, '--iters', 'ten'])
    assert proc.returncode == 2 and "got 'ten'" in proc.stderr
    proc = run_tool(['bash', SCRIPT, '--gpus', '8'])
    assert proc.returncode == 2 and "'--gpus'" in proc.stderr
