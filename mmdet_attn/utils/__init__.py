"""Runtime helpers for the tools: checkpoints, distributed set-up, configs."""
from .checkpoint import checkpoint_safe_globals, mmengine_checkpoint_globals
from .config import check_cfg_option_keys, load_run_config
from .distributed import setup_cpu_distributed
from .pretrained import fetch_pretrained_checkpoints, pretrained_checkpoints
from .runner import add_runner_arguments, build_runner, parse_runner_args

__all__ = [
    'checkpoint_safe_globals', 'mmengine_checkpoint_globals',
    'check_cfg_option_keys', 'load_run_config', 'setup_cpu_distributed',
    'add_runner_arguments', 'build_runner', 'parse_runner_args',
    'fetch_pretrained_checkpoints', 'pretrained_checkpoints'
]
