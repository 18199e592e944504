"""Train every ``_custom27`` config with several seeds under one schedule and
tabulate COCO bbox mAP (mean +- std), AP50 and the mAP of the rarest classes.

Each run is ``tools/train.py`` on the config with the study schedule
(``--schedule``, default ``configs/_base_/schedules/schedule_cpu_study.py``)
merged over it and ``randomness.seed`` set; it validates once at the end.
Runs go to ``<work-dir>/<config>/seed<N>/``; a run whose validation metrics
are already there is not trained again and one stopped after a checkpoint
(every epoch) is resumed from it, so a stopped study goes on where it
stopped (a resumed run's time counts only its last launch). ``--jobs``
runs train side by side, each with its share of the CPU threads (two
1-thread runs get more done on 2 cores than one 2-thread run).

Each variant is compared with the plain ResNet config of its depth in the
study (ResNet-50 for backbones without a depth: Residual Attention Networks
and CSPMirrorNet, which are its size); ``better``/``worse`` means the two
mean +- std intervals over seeds do not overlap.

Example:
    python research/custom27_study.py --out research/results/custom27_study.md
    python research/custom27_study.py --seeds 0 \\
        configs/faster_rcnn_r18_custom27.py \\
        configs/faster_rcnn_attn_r18_custom27.py
"""
import argparse
import json
import os
import platform
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from mmengine.config import Config, ConfigDict, DictAction
from seed_study import (compare, launch_training, mean_std, option_strings,
                        rarest_classes, read_val_metrics, run_summary)

from mmdet_attn.analysis.model_zoo import backbone_name, reference_depth
from mmdet_attn.utils import load_run_config

REPO_ROOT = Path(__file__).resolve().parents[1]
TRAIN_TOOL = REPO_ROOT / 'tools' / 'train.py'
DEFAULT_SCHEDULE = 'configs/_base_/schedules/schedule_cpu_study.py'
METRICS = ('mAP', 'AP50', 'rare_mAP')


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'configs',
        nargs='*',
        help='configs to train (default: every '
        'configs/faster_rcnn_*_custom27.py)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--schedule', default=DEFAULT_SCHEDULE)
    parser.add_argument('--work-dir', default='work_dirs/custom27_study')
    parser.add_argument('--out', help='write the Markdown table here too')
    parser.add_argument(
        '--jobs',
        type=int,
        default=min(2,
                    os.cpu_count() or 1),
        help='runs trained side by side')
    parser.add_argument(
        '--rare', type=int, default=9, help='how many rarest classes')
    parser.add_argument(
        '--report-only',
        action='store_true',
        help='train nothing: tabulate the runs finished so far')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='overrides for every run, after the schedule (e.g. to point '
        'the configs at other data)')
    args = parser.parse_args()
    if not args.configs:
        args.configs = sorted(
            str(p.relative_to(REPO_ROOT))
            for p in (REPO_ROOT / 'configs').glob('faster_rcnn_*_custom27.py'))
    if args.jobs < 1 or args.rare < 1:
        parser.error('--jobs and --rare must be >= 1')
    if len(set(args.seeds)) != len(args.seeds):
        parser.error(f'--seeds repeats a seed: {args.seeds}')
    return args


class Study:
    """The runs of one study: where they live and how each is trained."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work_dir = Path(args.work_dir)
        self.schedule = Config.fromfile(args.schedule).to_dict()
        self.threads = max(1, (os.cpu_count() or 1) // args.jobs)

    def run_dir(self, config: str, seed: int) -> Path:
        return self.work_dir / Path(config).stem / f'seed{seed}'

    def study_config(self, config: str) -> Path:
        """Where the config with the study schedule merged in is written."""
        return self.work_dir / Path(config).stem / 'study_config.py'

    def write_study_config(self, config: str) -> None:
        """Merge the study schedule into ``config`` and write it (from one
        thread: ``Config.fromfile`` is not thread-safe)."""
        cfg = Config.fromfile(config)
        cfg.merge_from_dict(self.schedule)
        path = self.study_config(config)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Atomically: another launch on the same work dir may be starting a
        # run from this file.
        partial = path.with_suffix('.tmp.py')
        cfg.dump(str(partial))
        os.replace(partial, path)

    def train(self, config: str, seed: int) -> Tuple[float, str]:
        """Train one run unless it has metrics; its seconds and an error."""
        run_dir = self.run_dir(config, seed)
        record = run_dir / 'study_run.json'
        if read_val_metrics(str(run_dir)) and record.exists():
            return json.loads(record.read_text())['seconds'], ''
        seconds, error = launch_training(
            TRAIN_TOOL, str(self.study_config(config)), run_dir, [
                f'randomness.seed={seed}',
                *option_strings(self.args.cfg_options)
            ], self.threads)
        if error:
            return seconds, error
        log_hint = f'see {run_dir / "study_train.log"}'
        if not read_val_metrics(str(run_dir)):
            return seconds, ('trained but validation gave no metrics (no '
                             f'detections above the score threshold?), '
                             f'{log_hint}')
        record.write_text(json.dumps(dict(seconds=seconds)))
        return seconds, ''


def finished_runs(study: 'Study', configs: List[str], seeds: List[int],
                  rare: List[str]) -> List[dict]:
    """Summary, seed and minutes of every run that has its metrics."""
    results = []
    for config in configs:
        for seed in seeds:
            run_dir = study.run_dir(config, seed)
            metrics = read_val_metrics(str(run_dir))
            record = run_dir / 'study_run.json'
            if metrics is None or not record.exists():
                continue
            seconds = json.loads(record.read_text())['seconds']
            results.append(
                dict(
                    config=config,
                    seed=seed,
                    minutes=seconds / 60,
                    **run_summary(metrics, rare)))
    return results


def baselines(backbones: Dict[str, ConfigDict]) -> Dict[str, Optional[str]]:
    """Each config's plain-ResNet baseline in the study (None for itself or
    when the study has no plain ResNet of that depth), from the configs'
    ``model.backbone``."""
    plain = {b.depth: c for c, b in backbones.items() if b.type == 'ResNet'}
    return {
        c: None if b.type == 'ResNet' else plain.get(reference_depth(b))
        for c, b in backbones.items()
    }


def markdown(args: argparse.Namespace, results: List[dict], rare: List[str],
             wall: Optional[float]) -> str:
    """The study's table, with how it was run."""
    stats: Dict[str, dict] = {}
    for config in args.configs:
        runs = [r for r in results if r['config'] == config]
        stats[config] = dict(seeds=len(runs))
        if runs:
            stats[config].update(
                {k: mean_std([r[k] for r in runs])
                 for k in METRICS},
                minutes=statistics.median(r['minutes'] for r in runs))
    backbones = {c: Config.fromfile(c).model.backbone for c in args.configs}
    base_of = baselines(backbones)
    launch = ('' if wall is None else
              f', wall time of this launch {wall / 60:.0f} min')
    lines = [
        f'Schedule `{args.schedule}`, seeds {args.seeds}, runs side by side '
        f'on {os.cpu_count()} CPU cores ({platform.machine()}); '
        f'{len(results)} of {len(args.configs) * len(args.seeds)} runs '
        f'finished, {sum(r["minutes"] for r in results):.0f} min of run '
        f'time{launch}.',
        '',
        f'{len(rare)} rarest training classes: {", ".join(rare)}.',
        '',
        '| Config | Backbone | Seeds | bbox mAP | AP50 | mAP, rarest '
        f'{len(rare)} | Baseline | Δ mAP | vs baseline | min/run (median) |',
        '|---|---|---:|---:|---:|---:|---|---:|---|---:|',
    ]

    def fmt(s: dict) -> str:
        return f'{s["mean"]:.3f} ± {s["std"]:.3f}'

    for config, s in stats.items():
        head = (f'| {Path(config).stem} | '
                f'{backbone_name(backbones[config])} | {s["seeds"]} |')
        if not s['seeds']:
            lines.append(head + ' pending |' + ' - |' * 6)
            continue
        base = base_of[config]
        if base is None or not stats[base]['seeds']:
            versus = ('-', '-', 'baseline' if base is None else '-')
        else:
            b = stats[base]
            verdict = (
                compare(s['mAP'], b['mAP']) if min(s['seeds'], b['seeds']) > 1
                else 'no spread from 1 seed')
            versus = (Path(base).stem,
                      f'{s["mAP"]["mean"] - b["mAP"]["mean"]:+.3f}', verdict)
        lines.append(f'{head} {fmt(s["mAP"])} | {fmt(s["AP50"])} | '
                     f'{fmt(s["rare_mAP"])} | {" | ".join(versus)} | '
                     f'{s["minutes"]:.1f} |')
    return '\n'.join(lines) + '\n'


def main() -> None:
    args = parse_args()
    study = Study(args)
    runs = [(c, s) for s in args.seeds for c in args.configs]
    print(
        f'{len(runs)} runs ({len(args.configs)} configs x seeds '
        f'{args.seeds}), {args.jobs} at a time, {study.threads} '
        f'thread(s) each; work dir {study.work_dir}',
        flush=True)
    for config in args.configs:
        study.write_study_config(config)
    start = time.perf_counter()
    done = 0
    lock = threading.Lock()

    def train(run: Tuple[str, int]) -> Tuple[float, str]:
        nonlocal done
        try:
            seconds, error = study.train(*run)
        except Exception as e:  # reported with the others at the end
            seconds, error = 0.0, f'{type(e).__name__}: {e}'
        status = error
        if not error:
            metrics = read_val_metrics(str(study.run_dir(*run)))
            status = f'mAP {metrics["coco/bbox_mAP"]:.3f}'
        with lock:
            done += 1
            print(
                f'[{done}/{len(runs)}] {Path(run[0]).stem} seed {run[1]}: '
                f'{status} ({seconds / 60:.1f} min)',
                flush=True)
        return seconds, error

    wall = None
    if not args.report_only:
        with ThreadPoolExecutor(args.jobs) as pool:
            outcomes = list(pool.map(train, runs))
        wall = time.perf_counter() - start
        failed = [(r, e) for r, (_, e) in zip(runs, outcomes) if e]
        if failed:
            raise SystemExit('runs failed: ' +
                             '; '.join(f'{Path(c).stem} seed {s}: {e}'
                                       for (c, s), e in failed))

    first = load_run_config(
        str(study.study_config(args.configs[0])), args.cfg_options)
    train_set = first.train_dataloader.dataset
    rare = rarest_classes(
        os.path.join(train_set.data_root, train_set.ann_file), args.rare)
    results = finished_runs(study, args.configs, args.seeds, rare)
    table = markdown(args, results, rare, wall)
    (study.work_dir / 'results.json').write_text(
        json.dumps(dict(rare_classes=rare, runs=results), indent=1))
    (study.work_dir / 'study.md').write_text(table)
    if args.out:
        Path(args.out).write_text(table)
    print(table)


if __name__ == '__main__':
    main()
