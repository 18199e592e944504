"""Running, reading and summarising a multi-seed accuracy study.

``research/custom27_study.py`` and ``research/pretrained_study.py`` train
each config with several seeds through :func:`launch_training`; these
functions read each run's validation metrics back from MMEngine's
``vis_data/scalars.json``, reduce them over seeds and compare each variant
with its plain baseline.
"""
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

BBOX_KEYS = ('coco/bbox_mAP', 'coco/bbox_mAP_50')


def option_strings(options: dict) -> List[str]:
    """``--cfg-options`` (as ``DictAction`` parsed them) back in
    ``key=value`` form for ``tools/train.py``.

    Example:
        >>> option_strings({'a.b': 1, 'c': [1, 2], 'd': (3, 4)})
        ['a.b=1', 'c=[1,2]', 'd=(3,4)']
    """
    strings = []
    for key, value in options.items():
        if isinstance(value, list):
            value = '[' + ','.join(map(str, value)) + ']'
        elif isinstance(value, tuple):
            value = '(' + ','.join(map(str, value)) + ')'
        strings.append(f'{key}={value}')
    return strings


#: Per launch of a run, its wall and CPU seconds, one JSON line each.
LAUNCH_LOG = 'study_launches.jsonl'


def launch_training(train_tool: Path, config: str, run_dir: Path,
                    options: List[str], threads: int) -> Tuple[float, str]:
    """Train one run with ``train_tool`` (``tools/train.py``) in a
    subprocess, resuming it from its last checkpoint if it has one.

    The launch's wall seconds and CPU seconds (user + system of the
    training process and the children it waited for, e.g. its data-loader
    workers) are appended to ``LAUNCH_LOG`` in ``run_dir``; see
    :func:`run_time`.

    Args:
        train_tool (Path): the training script; it runs from its repository
            root (the folder above ``tools/``).
        config (str): the run's config file.
        run_dir (Path): its ``--work-dir``; the output is appended to
            ``study_train.log`` there.
        options (list[str]): ``--cfg-options`` as ``key=value`` strings.
        threads (int): CPU threads of the run (OMP and MKL).

    Returns:
        tuple[float, str]: the seconds it took and an error ('' when the
        run exited with 0).
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    resume = ['--resume'] if (run_dir / 'last_checkpoint').exists() else []
    command = [
        sys.executable,
        str(train_tool), config, '--work-dir',
        str(run_dir), *resume, '--cfg-options', *options
    ]
    env = dict(
        os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    log_file = run_dir / 'study_train.log'
    start = time.perf_counter()
    with open(log_file, 'a') as log:
        process = subprocess.Popen(
            command,
            cwd=Path(train_tool).resolve().parents[1],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT)
        try:
            # wait4, not wait: it also gives this child's resource usage.
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            # As subprocess.run does: no training left behind, e.g. on ^C.
            process.kill()
            process.wait()
            raise
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    with open(run_dir / LAUNCH_LOG, 'a') as launches:
        launches.write(
            json.dumps(
                dict(
                    wall_seconds=seconds,
                    cpu_seconds=usage.ru_utime + usage.ru_stime,
                    exit_code=process.returncode)) + '\n')
    if process.returncode != 0:
        return seconds, f'exit code {process.returncode}, see {log_file}'
    return seconds, ''


def run_time(run_dir: Path) -> Dict[str, float]:
    """Wall and CPU seconds of every launch of a run, summed.

    Args:
        run_dir (Path): the run's ``--work-dir``.

    Returns:
        dict: ``wall_seconds``, ``cpu_seconds`` and ``launches`` (how many
        launches ``LAUNCH_LOG`` holds; 0, with zero seconds, when it has
        none).

    Example:
        >>> import tempfile
        >>> run_dir = Path(tempfile.mkdtemp())
        >>> _ = (run_dir / LAUNCH_LOG).write_text(
        ...     '{"wall_seconds": 60, "cpu_seconds": 50, "exit_code": 1}\\n'
        ...     '{"wall_seconds": 90, "cpu_seconds": 80, "exit_code": 0}\\n')
        >>> run_time(run_dir)
        {'wall_seconds': 150.0, 'cpu_seconds': 130.0, 'launches': 2}
    """
    total = dict(wall_seconds=0., cpu_seconds=0., launches=0)
    path = Path(run_dir) / LAUNCH_LOG
    lines = path.read_text().splitlines() if path.exists() else []
    for line in lines:
        launch = json.loads(line)
        total['wall_seconds'] += launch['wall_seconds']
        total['cpu_seconds'] += launch['cpu_seconds']
        total['launches'] += 1
    return total


def read_val_metrics(run_dir: str) -> Optional[Dict[str, float]]:
    """The last validation metrics of a training run, or None if it has
    none.

    Args:
        run_dir (str): the run's ``--work-dir``; MMEngine writes each launch
            into a ``<timestamp>/vis_data/scalars.json`` below it.

    Returns:
        dict | None: the ``coco/...`` entries of the last line that has
        ``coco/bbox_mAP`` (the latest launch first), e.g.
        ``{'coco/bbox_mAP': 0.44, 'coco/circle_plain_precision': 0.5}``.
    """
    for scalars in sorted(
            Path(run_dir).glob('*/vis_data/scalars.json'), reverse=True):
        lines = scalars.read_text().splitlines()
        for line in reversed(lines):
            record = json.loads(line)
            if BBOX_KEYS[0] in record:
                return {
                    k: float(v)
                    for k, v in record.items() if k.startswith('coco/')
                }
    return None


def rarest_classes(ann_file: str, num: int) -> List[str]:
    """The ``num`` categories with the fewest annotations in a COCO file.

    Ties are broken by category id, so the choice is stable.

    Args:
        ann_file (str): a COCO-format annotation file (the training split).
        num (int): how many categories to return.

    Returns:
        list[str]: category names, rarest first.
    """
    with open(ann_file) as f:
        coco = json.load(f)
    counts = Counter(a['category_id'] for a in coco['annotations'])
    categories = sorted(
        coco['categories'], key=lambda c: (counts[c['id']], c['id']))
    return [c['name'] for c in categories[:num]]


def run_summary(metrics: Dict[str, float],
                rare: Sequence[str]) -> Dict[str, float]:
    """mAP, AP50 and the mean per-class AP over ``rare`` of one run.

    Args:
        metrics (dict): one run's metrics from :func:`read_val_metrics`,
            with CocoMetric's ``classwise=True`` per-class entries.
        rare (Sequence[str]): class names to average.

    Returns:
        dict: ``mAP``, ``AP50`` and ``rare_mAP``; ``rare_mAP`` averages the
        classes that have an AP (COCO gives none, NaN, to a class absent
        from the validation split) and is NaN if none has.
    """
    missing = [c for c in rare if f'coco/{c}_precision' not in metrics]
    if missing:
        raise KeyError(f'per-class AP of {missing} is not in the metrics; '
                       'the study needs val_evaluator.classwise=True')
    rare_aps = [
        ap for ap in (metrics[f'coco/{c}_precision'] for c in rare)
        if math.isfinite(ap)
    ]
    return dict(
        mAP=metrics['coco/bbox_mAP'],
        AP50=metrics['coco/bbox_mAP_50'],
        rare_mAP=statistics.fmean(rare_aps) if rare_aps else math.nan)


def mean_std(values: Sequence[float]) -> Dict[str, float]:
    """Mean and sample standard deviation (0 for a single value; NaN for
    both if a value is NaN)."""
    if any(math.isnan(v) for v in values):
        return dict(mean=math.nan, std=math.nan)
    return dict(
        mean=statistics.fmean(values),
        std=statistics.stdev(values) if len(values) > 1 else 0.0)


def compare(variant: Dict[str, float], baseline: Dict[str, float]) -> str:
    """Whether a variant beat its baseline beyond the seed-to-seed spread.

    The spread of each is its mean +- one standard deviation over seeds; a
    variant is ``better`` (``worse``) when its whole interval lies above
    (below) the baseline's, otherwise ``within spread``.

    Args:
        variant (dict): ``mean`` and ``std`` of the variant's metric.
        baseline (dict): the same for its baseline.

    Returns:
        str: ``'better'``, ``'worse'`` or ``'within spread'``.
    """
    if variant['mean'] - variant['std'] > baseline['mean'] + baseline['std']:
        return 'better'
    if variant['mean'] + variant['std'] < baseline['mean'] - baseline['std']:
        return 'worse'
    return 'within spread'
