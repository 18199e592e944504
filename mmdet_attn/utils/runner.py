"""What ``tools/train.py`` and ``tools/test.py`` share: the launcher flags
and building the runner."""
import argparse
import os

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .dataset_config import check_num_classes
from .distributed import setup_cpu_distributed


def add_runner_arguments(parser: argparse.ArgumentParser) -> None:
    """Add MMDetection's ``--work-dir``, ``--cfg-options``, ``--launcher``
    and ``--local-rank`` flags.

    Args:
        parser (ArgumentParser): the tool's parser.
    """
    parser.add_argument(
        '--work-dir', help='the dir to save logs, checkpoints and metrics')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (e.g. '
        'train_cfg.max_epochs=2 model.backbone.depth=34); a list value is '
        'written key="[a,b]" or key=a,b, with no white space')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank (torch >= 2.0) or
    # --local_rank; torchrun sets LOCAL_RANK instead.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runner_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse the command line and export ``LOCAL_RANK`` if a launcher gave
    it as a flag.

    Args:
        parser (ArgumentParser): a parser with :func:`add_runner_arguments`.

    Returns:
        Namespace: the parsed arguments.
    """
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_runner(cfg: Config) -> Runner:
    """Build the runner of ``cfg``, after checking that its heads are sized
    for its dataset's classes and setting up CPU ranks if needed.

    Args:
        cfg (Config): a config loaded by
            :func:`mmdet_attn.utils.load_run_config`.

    Returns:
        Runner: MMEngine's runner, or the ``runner_type`` the config names.

    Raises:
        ValueError: a head's ``num_classes`` differs from the dataset's
            class count (:func:`~mmdet_attn.utils.check_num_classes`).
    """
    check_num_classes(cfg)
    setup_cpu_distributed(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
