"""Checks ``--cfg-options`` keys against the config they override.

MMEngine's ``Config.merge_from_dict`` adds any key it is given, so a typo
such as ``train_cfg.max_epoch=3`` is silently ignored or surfaces much later
as an unrelated traceback. :func:`check_cfg_option_keys` rejects such keys
before anything is built, naming the key and the keys that exist there.

A key is accepted when it already exists in the config, when it sits below a
value that is ``None`` (a dict may replace it), or when it is a constructor
argument of the registered ``type`` of the dict it is added to (for example
``model.backbone.with_cp`` on a ``ResNet``). New top-level keys must be
``Runner`` arguments or keys the ``Runner`` reads from the config itself
(:data:`RUNNER_CONFIG_KEYS`).
"""
import difflib
import inspect
import os.path as osp
from typing import Any, Iterable, List, Optional, Set

from mmdet import registry as mmdet_registry
from mmengine.config import Config, ConfigDict
from mmengine.runner import Runner

from .dataset_config import apply_dataset_variables

#: Top-level keys MMEngine's ``Runner`` reads from the config, not from its
#: arguments: ``compile`` (``True`` or ``torch.compile`` options).
RUNNER_CONFIG_KEYS = ('compile', )

_REGISTRIES = tuple(
    getattr(mmdet_registry, name)
    for name in ('MODELS', 'DATASETS', 'TRANSFORMS', 'DATA_SAMPLERS',
                 'OPTIMIZERS', 'OPTIM_WRAPPERS', 'PARAM_SCHEDULERS', 'HOOKS',
                 'METRICS', 'EVALUATOR', 'LOOPS', 'TASK_UTILS', 'VISUALIZERS',
                 'VISBACKENDS', 'LOG_PROCESSORS', 'MODEL_WRAPPERS', 'RUNNERS'))


def _init_arguments(cls: type) -> Optional[Set[str]]:
    """Keyword arguments ``cls(...)`` accepts, following ``**kwargs`` up the
    MRO; None when any level accepts arbitrary keywords unchecked."""
    names: Set[str] = set()
    for klass in inspect.getmro(cls):
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        if klass is object:
            return names
        params = inspect.signature(init).parameters.values()
        names.update(
            p.name for p in params
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            return names
    return None


def _type_accepts(type_name: Any, key: str) -> bool:
    if not isinstance(type_name, str):
        cls = type_name if inspect.isclass(type_name) else None
        candidates = [cls] if cls else []
    else:
        candidates = [reg.get(type_name) for reg in _REGISTRIES]
    for cls in filter(None, candidates):
        accepted = _init_arguments(cls)
        if accepted is None or key in accepted:
            return True
    return False


def _unknown_key_error(full_key: str, key: str, present: Iterable[str],
                       where: str) -> KeyError:
    present = sorted(str(k) for k in present)
    close = difflib.get_close_matches(key, present, n=3)
    hint = f' Did you mean {close}?' if close else ''
    return KeyError(
        f'--cfg-options key {full_key!r}: {where} has no key {key!r}.{hint} '
        f'Keys there: {present}. To add a new key, write a config that '
        f'inherits this one.')


def check_cfg_option_keys(cfg: Config, options: Optional[dict]) -> None:
    """Raise a clear error for ``--cfg-options`` keys the config lacks.

    Args:
        cfg (Config): the config before the options are merged.
        options (dict, optional): the parsed ``--cfg-options``, dotted keys
            to values, as ``DictAction`` gives them.

    Raises:
        KeyError: a key that does not exist and cannot be added there.

    Example:
        >>> cfg = Config(dict(train_cfg=dict(max_epochs=12)))
        >>> check_cfg_option_keys(cfg, {'train_cfg.max_epoch': 3})
        Traceback (most recent call last):
        KeyError: "--cfg-options key 'train_cfg.max_epoch': ...
    """
    runner_arguments: List[str] = list(
        inspect.signature(
            Runner.__init__).parameters) + list(RUNNER_CONFIG_KEYS)
    for full_key in options or {}:
        node: Any = cfg._cfg_dict
        parts = full_key.split('.')
        for depth, part in enumerate(parts):
            where = '.'.join(parts[:depth]) or 'the config'
            if node is None or part == '_delete_':
                break
            if isinstance(node, (list, tuple)):
                if not part.isdigit() or int(part) >= len(node):
                    raise KeyError(
                        f'--cfg-options key {full_key!r}: {where} is a list '
                        f'of {len(node)} items; {part!r} is not an index '
                        f'of it (0..{len(node) - 1}).')
                node = node[int(part)]
            elif isinstance(node, dict):
                if part in node:
                    node = node[part]
                    continue
                is_last = depth == len(parts) - 1
                if depth == 0 and part in runner_arguments:
                    break
                if is_last and 'type' in node and _type_accepts(
                        node['type'], part):
                    break
                raise _unknown_key_error(full_key, part, node.keys(), where)
            else:
                raise KeyError(
                    f'--cfg-options key {full_key!r}: {where} is a '
                    f'{type(node).__name__} ({node!r}), not a dict, so it '
                    f'has no key {part!r}.')


def _make_room_below_none(cfg: Config, options: dict) -> None:
    """Replace a ``None`` that an option key goes through by an empty dict.

    ``model.backbone.init_cfg.checkpoint=...`` on ``init_cfg=None`` is the
    usual way to add pretrained weights, but MMEngine refuses to merge a
    dict into ``None``.
    """
    for full_key in options:
        node: Any = cfg._cfg_dict
        parts = full_key.split('.')
        for part in parts[:-1]:
            if isinstance(node, (list, tuple)) and part.isdigit():
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                if node[part] is None:
                    node[part] = ConfigDict()
                node = node[part]
            else:
                break


def load_run_config(config: str,
                    cfg_options: Optional[dict] = None,
                    work_dir: Optional[str] = None,
                    launcher: str = 'none') -> Config:
    """Load a config the way MMDetection's tools do, with checked overrides.

    Args:
        config (str): path of the config file.
        cfg_options (dict, optional): ``--cfg-options`` overrides; each key is
            checked by :func:`check_cfg_option_keys` before merging. A
            top-level ``data_root`` or ``classes`` also changes every place
            the config copied it to
            (:func:`~mmdet_attn.utils.apply_dataset_variables`).
        work_dir (str, optional): ``--work-dir``; otherwise the config's own
            ``work_dir`` or ``./work_dirs/<config name>``.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.

    Returns:
        Config: the merged config with ``launcher`` and ``work_dir`` set.
    """
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options:
        check_cfg_option_keys(cfg, cfg_options)
        _make_room_below_none(cfg, cfg_options)
        apply_dataset_variables(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])
    return cfg
