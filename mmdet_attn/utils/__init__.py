"""Runtime helpers for the tools: checkpoints, distributed set-up, configs.

Each name loads its module on first use, so that ``import mmdet_attn``,
which needs only the checkpoint allow-list, imports none of the others.
"""
import importlib
from typing import Any

#: Name -> the module of this package that defines it.
_MODULES = {
    'CheckpointLoadError': 'checkpoint',
    'checkpoint_safe_globals': 'checkpoint',
    'load_from_local_file': 'checkpoint',
    'mmengine_checkpoint_globals': 'checkpoint',
    'setup_checkpoint_loading': 'checkpoint',
    'check_cfg_option_keys': 'config',
    'load_run_config': 'config',
    'apply_dataset_variables': 'dataset_config',
    'check_num_classes': 'dataset_config',
    'dataset_classes': 'dataset_config',
    'head_num_classes': 'dataset_config',
    'setup_cpu_distributed': 'distributed',
    'fetch_pretrained_checkpoints': 'pretrained',
    'pretrained_checkpoints': 'pretrained',
    'add_runner_arguments': 'runner',
    'build_runner': 'runner',
    'parse_runner_args': 'runner',
}
__all__ = list(_MODULES)


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    module = importlib.import_module(f'.{_MODULES[name]}', __name__)
    return getattr(module, name)
