"""tools/dist_train.sh on a CPU-only machine: gloo ranks through torchrun,
on one node and as two nodes on one machine (loopback)."""
import socket

import torch
from tool_runner import (BASELINE_CUSTOM27, REPO_ROOT, data_options, run_tool,
                         start_tool)

from mmdet_attn.utils import checkpoint_safe_globals

# 8 images over 2 ranks x 2 images: 2 iterations.
SCHEDULE_OPTIONS = [
    'train_dataloader.batch_size=2', 'train_cfg.max_epochs=1',
    'train_cfg.val_interval=1'
]


def _config_saving_rank_weights(tmp_path):
    """The baseline plus a hook with which each rank saves its weights."""
    config = tmp_path / 'with_rank_weights.py'
    config.write_text(
        f"_base_ = '{BASELINE_CUSTOM27}'\n"
        "custom_imports = dict(imports=['mmdet_attn', 'rank_weights_hook'], "
        "allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='SaveRankWeightsHook')]\n")
    return config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _env(port: int, **extra) -> dict:
    return dict(
        PORT=str(port),
        PYTHONPATH=f'{REPO_ROOT / "tests" / "helpers"}',
        **extra)


def _train_args(nproc: int, work_dir, data_root) -> list:
    return [
        'bash', 'tools/dist_train.sh',
        str(_config_saving_rank_weights(work_dir)),
        str(nproc), '--work-dir',
        str(work_dir), '--cfg-options', *data_options(data_root),
        *SCHEDULE_OPTIONS
    ]


def _assert_ranks_identical(work_dir, world_size: int) -> None:
    """Every rank ends with the same parameters, and they are the trained
    ones rank 0 checkpointed."""
    weights = [
        torch.load(work_dir / f'rank{r}_weights.pth', map_location='cpu')
        for r in range(world_size)
    ]
    for other in weights[1:]:
        assert other.keys() == weights[0].keys()
        for name, tensor in weights[0].items():
            torch.testing.assert_close(other[name], tensor, rtol=0, atol=0)
    with checkpoint_safe_globals():
        saved = torch.load(
            work_dir / 'epoch_1.pth', map_location='cpu')['state_dict']
    for name, tensor in weights[0].items():
        torch.testing.assert_close(saved[name], tensor, rtol=0, atol=0)


def test_two_gloo_ranks_train_in_sync(tiny_custom27, tmp_path):
    proc = run_tool(
        _train_args(2, tmp_path, tiny_custom27), env=_env(_free_port()))
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    assert 'Distributed launcher: pytorch' in log
    assert 'Distributed training: True' in log
    assert "'backend': 'gloo'" in log or 'backend: gloo' in log
    assert 'Epoch(train) [1][2/2]' in log
    _assert_ranks_identical(tmp_path, 2)


def test_two_nodes_on_loopback_train_as_one_job(tiny_custom27, tmp_path):
    port = _free_port()
    args = _train_args(1, tmp_path, tiny_custom27)
    procs = []
    for node_rank in (0, 1):
        env = _env(
            port,
            NNODES='2',
            NODE_RANK=str(node_rank),
            MASTER_ADDR='127.0.0.1')
        procs.append(start_tool(args, env))
    logs = [p.communicate(timeout=900)[0] for p in procs]
    for p, log in zip(procs, logs):
        assert p.returncode == 0, log[-6000:]
    assert 'Epoch(train) [1][2/2]' in logs[0]
    _assert_ranks_identical(tmp_path, 2)


def test_slurm_scripts_call_srun_with_mmdetection_layout(tmp_path):
    fake_srun = tmp_path / 'srun'
    fake_srun.write_text('#!/bin/sh\necho "srun $*"\n')
    fake_srun.chmod(0o755)
    env = dict(PATH=f'{tmp_path}:/usr/bin:/bin', GPUS='16', PYTHON='py')
    proc = run_tool([
        'bash', 'tools/slurm_train.sh', 'part', 'job', 'cfg.py', 'wd',
        '--resume'
    ],
                    env=env)
    assert proc.returncode == 0, proc.stderr
    assert ('srun -p part --job-name=job --gres=gpu:8 --ntasks=16 '
            '--ntasks-per-node=8 --cpus-per-task=5 --kill-on-bad-exit=1 '
            'py -u ') in proc.stdout
    assert ('tools/train.py cfg.py --work-dir=wd --resume --launcher=slurm'
            in proc.stdout)
    proc = run_tool(
        ['bash', 'tools/slurm_test.sh', 'part', 'job', 'cfg.py', 'e.pth'],
        env=env)
    assert 'tools/test.py cfg.py e.pth --launcher=slurm' in proc.stdout


def test_dist_scripts_print_usage_without_arguments():
    for script in ('dist_train.sh', 'dist_test.sh', 'slurm_train.sh',
                   'slurm_test.sh'):
        proc = run_tool(['bash', f'tools/{script}'])
        assert proc.returncode == 2
        assert proc.stderr.startswith(f'usage: tools/{script}')
