"""Make sure a model's pretrained checkpoints can be read before a run.

MMEngine loads ``init_cfg=dict(type='Pretrained', checkpoint=...)`` only
when the weights are initialised, after the runner, the data and the model
are built; an http(s) checkpoint that cannot be downloaded then stops the
run with a bare ``URLError``, and a missing local one with a
``FileNotFoundError`` that does not say which ``init_cfg`` asked for it.
:func:`fetch_pretrained_checkpoints` fetches the http(s) ones into torch's
hub cache, where MMEngine looks for them, and checks the local ones, up
front, with a message that names the config key and the ways on. The
converting schemes (``timm://``, ``ecanet://``, ``cbam://``:
:mod:`mmdet_attn.models.weight_converters`) are resolved to their URL or
file and fetched or checked the same way.
"""
import os.path as osp
import socket
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Tuple
from urllib.parse import urlparse

from mmengine.config import Config

from ..models.weight_converters import Source, resolve_source
from ..models.weight_converters.common import (download, hub_cache_path,
                                               is_url, source_cache_path)

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


@contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _ways_on(key: str, location: str, scheme: str = '') -> str:
    return (f'Either give a local copy: --cfg-options {key}.checkpoint='
            f'{scheme}/path/to/{_file_name(location)}\n'
            f'or train from scratch: --cfg-options {key}=None')


def _file_name(location: str) -> str:
    return osp.basename(urlparse(location).path)


def _fetch(key: str,
           url: str,
           cached: str,
           timeout: float,
           scheme: str = '') -> None:
    """Download ``url`` to ``cached`` unless it is there."""
    try:
        with _socket_timeout(timeout):
            download(url, cached)
    except OSError as error:
        raise SystemExit(f'{key}: cannot download the pretrained checkpoint '
                         f'{url} ({error}).\n'
                         f'{_ways_on(key, url, scheme)}') from error


def _missing_source(key: str, source: Source) -> str:
    """The message for a converting scheme's local file that is missing."""
    converter, name = source.converter, _file_name(source.location)
    return (f'{key}: the pretrained checkpoint {source.location} (of '
            f'{source.checkpoint}) does not exist: {converter.WHERE}; save '
            'the file there.\n'
            f'Either point at it: --cfg-options {key}.checkpoint='
            f'{converter.SCHEME}/path/to/{name}\n'
            f'or convert it once: python {converter.TOOL} /path/to/{name} '
            f'checkpoints/ and give the file it writes: --cfg-options '
            f'{key}.checkpoint=checkpoints/<that file>\n'
            f'or train from scratch: --cfg-options {key}=None')


def _resolve(key: str, checkpoint: str) -> Optional[Source]:
    try:
        return resolve_source(checkpoint)
    except ValueError as error:
        raise SystemExit(f'{key}: {error}') from error


def fetch_pretrained_checkpoints(cfg: Config, timeout: float = 60) -> None:
    """Download the model's http(s) checkpoints into the hub cache and check
    that its local ones exist, before anything is built; checkpoints of the
    converting schemes (``timm://TAG``, ``ecanet://PATH``, ...) likewise,
    at the URL or path they resolve to.

    Args:
        cfg (Config): The run's config.
        timeout (float): Seconds without an answer before a download is
            given up. Defaults to 60.

    Raises:
        SystemExit: A checkpoint cannot be had; the message names the
            config key, the checkpoint and the ways on.
    """
    for key, checkpoint in pretrained_checkpoints(cfg.get('model'), 'model'):
        if checkpoint.startswith(_LEFT_TO_MMENGINE):
            continue
        source = _resolve(key, checkpoint)
        if source is not None:
            location, scheme = source.location, source.converter.SCHEME
            if is_url(location):
                _fetch(key, location, source_cache_path(location), timeout,
                       scheme)
            elif not osp.isfile(location):
                raise SystemExit(_missing_source(key, source))
        elif is_url(checkpoint):
            _fetch(key, checkpoint, hub_cache_path(checkpoint), timeout)
        elif not osp.isfile(checkpoint):
            raise SystemExit(
                f'{key}: the pretrained checkpoint {checkpoint} does not '
                'exist. It is written by the backbone\'s pretraining run '
                '(configs/pretrain/, docs/pretraining.md).\n'
                f'{_ways_on(key, checkpoint)}')
