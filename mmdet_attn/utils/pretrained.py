"""Make sure a model's pretrained checkpoints can be read before a run.

MMEngine loads ``init_cfg=dict(type='Pretrained', checkpoint=...)`` only
when the weights are initialised, after the runner, the data and the model
are built; an http(s) checkpoint that cannot be downloaded then stops the
run with a bare ``URLError``, and a missing local one with a
``FileNotFoundError`` that does not say which ``init_cfg`` asked for it.
:func:`fetch_pretrained_checkpoints` fetches the http(s) ones into torch's
hub cache, where MMEngine looks for them, and checks the local ones, up
front, with a message that names the config key and the ways on.
"""
import os
import os.path as osp
import socket
from contextlib import contextmanager
from typing import Any, Iterator, List, Tuple
from urllib.parse import urlparse

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

#: Prefixes MMEngine resolves itself (model zoos, other storage backends).
_LEFT_TO_MMENGINE = ('torchvision://', 'open-mmlab://', 'openmmlab://',
                     'mmcls://', 'pavi://', 's3://', 'modelzoo://')


def pretrained_checkpoints(cfg: Any, key: str = '') -> List[Tuple[str, str]]:
    """Every ``Pretrained`` checkpoint below ``cfg``, with its config key.

    Args:
        cfg: A config node (dict, list or value).
        key (str): The dotted key of ``cfg``. Defaults to ``''``.

    Returns:
        list[tuple[str, str]]: ``(key of the init_cfg, checkpoint)`` pairs.

    Example:
        >>> pretrained_checkpoints(dict(model=dict(backbone=dict(
        ...     init_cfg=dict(type='Pretrained', checkpoint='a.pth')))))
        [('model.backbone.init_cfg', 'a.pth')]
    """
    found = []
    if isinstance(cfg, dict):
        if cfg.get('type') == 'Pretrained' and cfg.get('checkpoint'):
            found.append((key, cfg['checkpoint']))
        for name, value in cfg.items():
            found += pretrained_checkpoints(value, f'{key}.{name}'.lstrip('.'))
    elif isinstance(cfg, (list, tuple)):
        for index, value in enumerate(cfg):
            found += pretrained_checkpoints(value, f'{key}.{index}')
    return found


def hub_cache_path(url: str) -> str:
    """Where MMEngine (through ``torch.hub``) keeps a downloaded ``url``."""
    return osp.join(torch.hub.get_dir(), 'checkpoints',
                    osp.basename(urlparse(url).path))


@contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _ways_on(key: str, checkpoint: str) -> str:
    return (f'Either give a local copy: --cfg-options {key}.checkpoint='
            f'/path/to/{osp.basename(urlparse(checkpoint).path)}\n'
            f'or train from scratch: --cfg-options {key}=None')


def fetch_pretrained_checkpoints(cfg: Config, timeout: float = 60) -> None:
    """Download the model's http(s) checkpoints into the hub cache and check
    that its local ones exist, before anything is built.

    Args:
        cfg (Config): The run's config.
        timeout (float): Seconds without an answer before a download is
            given up. Defaults to 60.

    Raises:
        SystemExit: A checkpoint cannot be had; the message names the
            config key, the checkpoint and the ways on.
    """
    logger = MMLogger.get_current_instance()
    for key, checkpoint in pretrained_checkpoints(cfg.get('model'), 'model'):
        if checkpoint.startswith(_LEFT_TO_MMENGINE):
            continue
        if checkpoint.startswith(('http://', 'https://')):
            cached = hub_cache_path(checkpoint)
            if osp.isfile(cached):
                continue
            logger.info(f'{key}: downloading {checkpoint} to {cached}')
            os.makedirs(osp.dirname(cached), exist_ok=True)
            try:
                with _socket_timeout(timeout):
                    torch.hub.download_url_to_file(checkpoint, cached)
            except OSError as error:
                raise SystemExit(
                    f'{key}: cannot download the pretrained checkpoint '
                    f'{checkpoint} ({error}).\n'
                    f'{_ways_on(key, checkpoint)}') from error
        elif not osp.isfile(checkpoint):
            raise SystemExit(
                f'{key}: the pretrained checkpoint {checkpoint} does not '
                'exist. It is written by the backbone\'s pretraining run '
                '(configs/pretrain/, docs/pretraining.md).\n'
                f'{_ways_on(key, checkpoint)}')
