"""Run ``tools/train.py`` several times in one interpreter.

Each run calls the tool's own ``main`` with its command line, so it takes
the tool's code path (argument parsing, config checks, runner, checkpoint
allow-list); the runs share one start-up (importing torch, MMDetection and
this package), which costs more than a 2-iteration training on a CPU.

Usage::

    python tests/helpers/train_many.py RUNS_JSON

``RUNS_JSON`` holds a list of ``tools/train.py`` argument lists, each with
its own ``--work-dir``. A run that raises (or exits) writes its traceback to
``<work-dir>/train_error.txt`` and the next run starts; the script exits
with 1 if any run failed.

Each run gets a visualizer of its own: MMDetection's configs all name
theirs ``'visualizer'``, and MMEngine hands a later runner in the same
process the first one's, which writes into the first run's work dir.
"""
import importlib.util
import json
import sys
import traceback
from pathlib import Path
from typing import List

TRAIN_TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'train.py'
ERROR_FILE = 'train_error.txt'


def work_dir_of(args: List[str]) -> Path:
    """The ``--work-dir`` of a ``tools/train.py`` command line."""
    if '--work-dir' not in args:
        raise ValueError(f'a run needs its own --work-dir: {args}')
    return Path(args[args.index('--work-dir') + 1])


def with_own_visualizer(args: List[str], name: str) -> List[str]:
    """``args`` with ``visualizer.name=<name>`` in its ``--cfg-options``."""
    option = f'visualizer.name={name}'
    if '--cfg-options' not in args:
        return [*args, '--cfg-options', option]
    at = args.index('--cfg-options') + 1
    return [*args[:at], option, *args[at:]]


def train_all(runs: List[List[str]]) -> int:
    """Train each run in turn; the number of runs that failed."""
    spec = importlib.util.spec_from_file_location('train_tool', TRAIN_TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    failed = 0
    for index, args in enumerate(runs):
        work_dir = work_dir_of(args)
        work_dir.mkdir(parents=True, exist_ok=True)
        sys.argv = [
            str(TRAIN_TOOL), *with_own_visualizer(args, f'visualizer{index}')
        ]
        try:
            tool.main()
        except (Exception, SystemExit):  # SystemExit: the tool's errors
            failed += 1
            (work_dir / ERROR_FILE).write_text(traceback.format_exc())
    return failed


if __name__ == '__main__':
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    sys.exit(1 if train_all(json.loads(Path(sys.argv[1]).read_text())) else 0)
