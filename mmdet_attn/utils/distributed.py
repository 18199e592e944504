"""Distributed set-up that also works on CPU-only machines.

MMEngine's ``init_dist('pytorch')`` calls ``torch.cuda.set_device`` in every
rank before it creates the process group, which fails on a CPU-only torch
even when ``dist_cfg.backend='gloo'``. When no GPU is present this module
creates the gloo process group itself (the runner then skips its own
``init_dist``) and asks for a CPU ``DistributedDataParallel`` wrapper, whose
``device_ids`` must be ``None``. With GPUs the stock MMEngine path (NCCL by
default) is used unchanged.
"""
import os
from datetime import timedelta

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.dist import is_distributed

#: Launchers whose ranks this module can start on CPUs.
CPU_LAUNCHERS = ('pytorch', )


def setup_cpu_distributed(cfg: Config) -> bool:
    """Initialise gloo ranks on a CPU-only machine for ``cfg.launcher``.

    Does nothing (and returns False) when the launcher is ``'none'`` or a GPU
    is available. The rendezvous comes from the environment that torchrun
    sets (``MASTER_ADDR``, ``MASTER_PORT``, ``RANK``, ``WORLD_SIZE``), so
    multi-node jobs work the same way as on GPUs.

    Args:
        cfg (Config): the run's config; ``cfg.launcher`` must be set. Its
            ``env_cfg.dist_cfg`` and ``model_wrapper_cfg`` are updated for
            CPU ranks.

    Returns:
        bool: True if a CPU process group was set up.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher not in CPU_LAUNCHERS:
        raise RuntimeError(
            f'launcher={launcher!r} needs GPUs, and none is available. '
            f'On CPUs, launch ranks with torchrun (tools/dist_train.sh, '
            f'launcher {CPU_LAUNCHERS}).')
    missing = [
        k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
        if k not in os.environ
    ]
    if missing:
        raise RuntimeError(
            f'--launcher pytorch expects the environment torchrun sets, but '
            f'{missing} are not set. Start ranks with tools/dist_train.sh or '
            f'torchrun, or use --launcher none for one process.')

    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    timeout = dist_cfg.get('timeout', 1800)
    if not is_distributed():
        torch_dist.init_process_group(
            backend='gloo', timeout=timedelta(seconds=timeout))

    wrapper_cfg = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    # CPU modules take no device ids; the runner would default them to the
    # local rank, a GPU index.
    wrapper_cfg['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper_cfg
    return True
