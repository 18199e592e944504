"""Runtime helpers for the tools: checkpoints, distributed set-up, configs."""
from .checkpoint import (CheckpointLoadError, checkpoint_safe_globals,
                         load_from_local_file, mmengine_checkpoint_globals,
                         setup_checkpoint_loading)
from .config import check_cfg_option_keys, load_run_config
from .dataset_config import (apply_dataset_variables, check_num_classes,
                             dataset_classes, head_num_classes)
from .distributed import setup_cpu_distributed
from .pretrained import fetch_pretrained_checkpoints, pretrained_checkpoints
from .runner import add_runner_arguments, build_runner, parse_runner_args

__all__ = [
    'CheckpointLoadError', 'checkpoint_safe_globals', 'load_from_local_file',
    'mmengine_checkpoint_globals', 'setup_checkpoint_loading',
    'check_cfg_option_keys', 'load_run_config', 'apply_dataset_variables',
    'check_num_classes', 'dataset_classes', 'head_num_classes',
    'setup_cpu_distributed', 'add_runner_arguments', 'build_runner',
    'parse_runner_args', 'fetch_pretrained_checkpoints',
    'pretrained_checkpoints'
]
