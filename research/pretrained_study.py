"""Does attention help a pretrained trunk? Pretrain, fine-tune with several
seeds on custom27 and on tree crowns, and compare every attention variant
with its plain twin by a paired 95 % confidence interval.

Stage 1 pretrains plain ResNet-18 and ResNet-50, Attention-56,
CSPMirrorNet53 and the attention ResNets of the second arm (below) as
classifiers of the synthetic set's object crops
(``configs/pretrain/*_custom27_crops.py``, the CPU stand-in for ImageNet;
random seed 0) and records their top-1 on the val crops. Stage 2
fine-tunes each variant from those weights as a user would from ImageNet.
Two arms: *attention new* (the plain ResNets and the attention ResNets load
the *plain* ResNet's trunk, their attention layers new and
identity-initialised: the backbones of the ``_trees`` configs) and
*attention pretrained with the trunk* (``<variant>_pretrained``: the
SE/ECA/CBAM-ResNet-50 and the gated ResNet-18 load their own pretraining,
their attention layers in the form they were pretrained in: SE's, ECA's
and CBAM's ordinary one, the gated ResNet-18's identity one; on custom27
only); Attention-56 and CSPMirrorNet53 load their own pretraining
too. Every run uses the same schedule (``--schedule``, its keys replacing
the config's), with ``--iters`` per dataset.
On custom27 a run is the variant's ``_custom27`` config with the backbone of
its ``_trees`` config; on trees, its ``_trees`` config.

For each variant and seed, Δ = its bbox mAP minus its plain twin's (the
ResNet of its depth, ResNet-50 for Attention-56 and CSPMirrorNet53) with
the same seed; the 95 % interval is Student's t over the paired differences.
The verdict is ``helps`` (interval above 0), ``hurts`` (below 0) or ``not
resolved``.

Runs go to ``<work-dir>/pretrain/<net>/`` (or ``--pretrain-dir``) and
``<work-dir>/<dataset>/<variant>/seed<N>/``; each finished run's record
(metrics, CPU time, the host, and the digest of the trunk it started
from) goes to
the ledger (``--ledger``), a JSON file that is committed with the report.
A run the ledger holds is not trained again, on this machine or on a new
one without the work dirs; a stopped run resumes from its last checkpoint.
A trunk is pretrained only when a run still to train needs it, on one
thread, so that the same machine gives the same weights again; another
kind of CPU may give other weights (another digest). A variant's run
counts only when it started from the same trunk as its plain twin's run of
the same dataset and seed (the pair), whichever trunk that was: a seed's
pairs of an earlier machine keep counting; where a seed still has runs to
train on this machine's trunk, its runs of another trunk in the same
family are trained again, so that every pair shares its trunk. ``--jobs`` runs
fine-tuning side by side, each with its share of the CPU threads. With
``--val-interval`` every fine-tuning run is validated periodically and the
report adds each run's bbox mAP by iteration: the
plateau runs that choose ``--iters`` (a plain baseline, one seed, a long
schedule, in a work dir of their own that ``--pretrain-dir`` points at the
study's pretrained weights).

Example:
    python tools/dataset_converters/coco_crops.py data/custom27 \\
        data/custom27_crops
    python tools/dataset_converters/deepforest_trees.py data/trees
    python research/pretrained_study.py \\
        --ledger research/results/pretrained_study_runs.json \\
        --out research/results/pretrained_study_results.md
    python research/pretrained_study.py --datasets trees \\
        --variants r18 attn_r18 --seeds 0 1 2
    python research/pretrained_study.py --datasets custom27 \\
        --variants attn_r18_pretrained se_r50_pretrained \\
        eca_r50_pretrained cbam_r50_pretrained --seeds 0 1 2 3 4 \\
        --ledger research/results/pretrained_study_runs.json
    python research/pretrained_study.py --variants r18 \\
        --seeds 0 --iters custom27=600 trees=300 \\
        --val-interval custom27=100 trees=50 \\
        --work-dir work_dirs/pretrained_study_plateau \\
        --pretrain-dir work_dirs/pretrained_study/pretrain
"""
import argparse
import fcntl
import hashlib
import json
import math
import os
import platform
import statistics
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config, DictAction
from mmengine.runner import CheckpointLoader
from scipy import stats
from seed_study import (launch_training, mean_std, option_strings,
                        rarest_classes, run_summary, run_time)

from mmdet_attn.utils import checkpoint_safe_globals

REPO_ROOT = Path(__file__).resolve().parents[1]
TRAIN_TOOL = REPO_ROOT / 'tools' / 'train.py'
DEFAULT_SCHEDULE = 'configs/_base_/schedules/schedule_cpu_finetune.py'
# The pretrained networks, in the report's order.
PRETRAINED = ('r18', 'r50', 'ran56', 'cspmirrornet53', 'attn_r18', 'se_r50',
              'eca_r50', 'cbam_r50')
DATASETS = ('custom27', 'trees')
# The report's arms: how a variant's attention meets its pretrained trunk.
PLAIN = 'plain twin'
NEW = 'attention new'
WITH_TRUNK = 'attention pretrained with the trunk'
NO_ATTENTION = 'own trunk, no attention'
# Each variant: the network its trunk comes from, its plain twin, its arm
# and, where they differ from its name, its configs
# (configs/faster_rcnn_<config>_{custom27,trees}.py), the datasets it is
# fine-tuned on and backbone arguments set over its config's.
VARIANTS = {
    'r18':
    dict(pretrained='r18', twin=None, arm=PLAIN),
    'attn_r18':
    dict(pretrained='r18', twin='r18', arm=NEW),
    'attn_r18_original':
    dict(pretrained='r18', twin='r18', arm=NEW),
    'r50':
    dict(pretrained='r50', twin=None, arm=PLAIN),
    'se_r50':
    dict(pretrained='r50', twin='r50', arm=NEW),
    'eca_r50':
    dict(pretrained='r50', twin='r50', arm=NEW),
    'cbam_r50':
    dict(pretrained='r50', twin='r50', arm=NEW),
    'sam_r50':
    dict(pretrained='r50', twin='r50', arm=NEW),
    'ran56':
    dict(pretrained='ran56', twin='r50', arm=WITH_TRUNK),
    'cspmirrornet_fpn':
    dict(pretrained='cspmirrornet53', twin='r50', arm=NO_ATTENTION),
}
# The second arm: the first arm's attention ResNets, each from its own
# pretraining. Tree crowns left out: from the crop trunks every detector
# stays at the floor there (research/results/pretrained_study.md).
VARIANTS.update({
    f'{net}_pretrained': dict(
        pretrained=net,
        twin=VARIANTS[net]['twin'],
        arm=WITH_TRUNK,
        config=net,
        datasets=('custom27', ))
    for net in ('attn_r18', 'se_r50', 'eca_r50', 'cbam_r50')
})
# The gated ResNet-18's stage 1-3 output gates are new to the detector (its
# classifier reads stage 4 alone): their BN trains, having no statistics to
# keep; in eval mode those gates shut or open fully within 20 iterations
# (research/gate_trace.py, docs/pretrained_study.md).
VARIANTS['attn_r18_pretrained']['backbone'] = dict(attention_norm_eval=False)
# The backbone arguments that configure attention layers, by backbone type:
# a variant from its own pretraining takes them from its pretraining config.
ATTENTION_ARGS = dict(
    AttentionResNet=('attention', ),
    GatedECAResNet=('attention', 'attention_gate', 'eca', 'non_local'))
DEFAULT_ITERS = dict(custom27=600, trees=200)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--variants',
        nargs='+',
        choices=list(VARIANTS),
        default=list(VARIANTS),
        help='variants to fine-tune (their plain twins are added); '
        '<variant>_pretrained: its attention pretrained with its trunk')
    parser.add_argument(
        '--datasets', nargs='+', choices=DATASETS, default=list(DATASETS))
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--schedule', default=DEFAULT_SCHEDULE)
    parser.add_argument(
        '--iters',
        nargs='+',
        action=DictAction,
        default={},
        help='fine-tuning iterations per dataset, e.g. custom27=400 '
        f'trees=300 (default {DEFAULT_ITERS})')
    parser.add_argument('--work-dir', default='work_dirs/pretrained_study')
    parser.add_argument(
        '--pretrain-dir',
        help='where the pretraining runs live (default: <work-dir>/pretrain; '
        'point another study, e.g. a plateau run, at the same weights)')
    parser.add_argument(
        '--val-interval',
        nargs='+',
        action=DictAction,
        default={},
        help='validate every this many fine-tuning iterations, per dataset, '
        'e.g. custom27=100 trees=50 (default: only at the end); the report '
        'then gives each run\'s mAP curve, which is how --iters is chosen')
    parser.add_argument('--out', help='write the Markdown report here too')
    parser.add_argument(
        '--ledger',
        help='the JSON file of finished runs (default: '
        '<work-dir>/study_runs.json); a run recorded there is not trained '
        'again, so a study goes on from a committed ledger on a new machine')
    parser.add_argument(
        '--jobs',
        type=int,
        default=min(2,
                    os.cpu_count() or 1),
        help='runs trained side by side')
    parser.add_argument(
        '--pretrain-only',
        action='store_true',
        help='stop after pretraining (e.g. to choose --iters first)')
    parser.add_argument(
        '--report-only',
        action='store_true',
        help='train nothing: report the runs finished so far')
    parser.add_argument(
        '--pretrain-options',
        nargs='+',
        action=DictAction,
        default={},
        help='overrides for every pretraining run')
    parser.add_argument(
        '--finetune-options',
        nargs='+',
        action=DictAction,
        default={},
        help='overrides for every fine-tuning run')
    parser.add_argument(
        '--data-root',
        nargs='+',
        action=DictAction,
        default={},
        help='another folder per dataset, e.g. trees=/data/trees/ '
        '(default: the configs\' data/custom27/ and data/trees/)')
    parser.add_argument(
        '--rare',
        type=int,
        default=9,
        help='how many rarest custom27 classes to average')
    args = parser.parse_args()
    for flag, values in (('--iters', args.iters), ('--val-interval',
                                                   args.val_interval),
                         ('--data-root', args.data_root)):
        unknown = set(values) - set(DATASETS)
        if unknown:
            parser.error(f'{flag} names unknown datasets {sorted(unknown)}; '
                         f'allowed: {", ".join(DATASETS)}')
    args.iters = {
        **DEFAULT_ITERS,
        **{k: int(v)
           for k, v in args.iters.items()}
    }
    args.val_interval = {k: int(v) for k, v in args.val_interval.items()}
    if min([*args.iters.values(), *args.val_interval.values(), args.jobs]) < 1:
        parser.error('--iters, --val-interval and --jobs must be >= 1')
    if len(set(args.seeds)) != len(args.seeds):
        parser.error(f'--seeds repeats a seed: {args.seeds}')
    idle = [
        v for v in args.variants
        if not any(runs_on(v, d) for d in args.datasets)
    ]
    if idle:
        parser.error(f'{idle} are fine-tuned on none of --datasets '
                     f'{args.datasets} (the second arm: custom27 only)')
    twins = {VARIANTS[v]['twin'] for v in args.variants} - {None}
    args.variants = [v for v in VARIANTS if v in set(args.variants) | twins]
    return args


def runs_on(variant: str, dataset: str) -> bool:
    """Whether the study fine-tunes ``variant`` on ``dataset``."""
    return dataset in VARIANTS[variant].get('datasets', DATASETS)


def shares_twin_trunk(variant: str) -> bool:
    """Whether ``variant`` starts from its plain twin's trunk (the *attention
    new* arm), not from its own pretraining (or is a plain twin)."""
    twin = VARIANTS[variant]['twin']
    return twin is not None and (VARIANTS[twin]['pretrained']
                                 == VARIANTS[variant]['pretrained'])


def data_root_options(args: argparse.Namespace, dataset: str) -> List[str]:
    """The one-key ``data_root`` override of a dataset, if one was given."""
    root = args.data_root.get(dataset)
    return [f'data_root={root.rstrip("/")}/'] if root else []


def last_scalars(run_dir: Path, key: str) -> Optional[Dict[str, float]]:
    """The last line with ``key`` of a run's ``vis_data/scalars.json`` (the
    latest launch first), or None."""
    for scalars in sorted(
            run_dir.glob('*/vis_data/scalars.json'), reverse=True):
        for line in reversed(scalars.read_text().splitlines()):
            record = json.loads(line)
            if key in record:
                return record
    return None


def metric_curve(run_dir: Path, key: str) -> Dict[int, float]:
    """Every validation value of ``key`` in a run, by step (all launches, a
    later launch replacing an earlier one's steps)."""
    curve = {}
    for scalars in sorted(run_dir.glob('*/vis_data/scalars.json')):
        for line in scalars.read_text().splitlines():
            record = json.loads(line)
            if key in record:
                curve[int(record['step'])] = record[key]
    return curve


def paired_interval(differences: Sequence[float],
                    confidence: float = 0.95) -> Tuple[float, float, float]:
    """Mean of paired differences and its Student's t interval.

    Args:
        differences (Sequence[float]): one difference per seed.
        confidence (float): the interval's coverage.

    Returns:
        tuple[float, float, float]: mean, lower and upper bound (the bounds
        are NaN for fewer than two differences).

    Example:
        >>> mean, low, high = paired_interval([0.01, 0.02, 0.03])
        >>> round(mean, 3), round(low, 3), round(high, 3)
        (0.02, -0.005, 0.045)
    """
    mean = statistics.fmean(differences)
    if len(differences) < 2:
        return mean, math.nan, math.nan
    quantile = float(stats.t.ppf((1 + confidence) / 2, len(differences) - 1))
    half = quantile * (
        statistics.stdev(differences) / math.sqrt(len(differences)))
    return mean, mean - half, mean + half


def verdict(low: float, high: float) -> str:
    """``helps``, ``hurts`` or ``not resolved`` from an interval of Δ."""
    if low > 0:
        return 'helps'
    if high < 0:
        return 'hurts'
    return 'not resolved'


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else the architecture."""
    cpuinfo = Path('/proc/cpuinfo')
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    return platform.processor() or platform.machine()


def trunk_digest(checkpoint: str) -> str:
    """A digest of a checkpoint's backbone weights (names and values), the
    same for the same weights whatever else the file holds."""
    with checkpoint_safe_globals():
        state = CheckpointLoader.load_checkpoint(
            checkpoint, map_location='cpu')
    digest = hashlib.sha256()
    for name, tensor in sorted(state['state_dict'].items()):
        if name.startswith('backbone.'):
            digest.update(name.encode())
            digest.update(tensor.contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


class Ledger:
    """The study's finished runs, one record per run key, in one JSON file.

    The file is committed with the report: a study started on a machine
    without the work dirs (a new checkout) takes every run recorded there
    as done, and trains only the rest.
    """

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.runs = json.loads(
            self.path.read_text()) if self.path.exists() else {}
        self.lock = threading.Lock()

    def put(self, key: str, record: dict) -> None:
        """Record a run, keeping what other studies on the same file
        recorded meanwhile (the file is re-read under a lock)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock, open(self.path.with_suffix('.lock'), 'w') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self.path.exists():
                self.runs = json.loads(self.path.read_text())
            self.runs[key] = record
            partial = self.path.with_suffix('.tmp')
            partial.write_text(
                json.dumps(self.runs, indent=1, sort_keys=True) + '\n')
            os.replace(partial, self.path)


class Study:
    """Where the study's runs live and how each is launched."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work_dir = Path(args.work_dir)
        self.pretrain_root = Path(args.pretrain_dir
                                  or self.work_dir / 'pretrain')
        self.threads = max(1, (os.cpu_count() or 1) // args.jobs)
        self.ledger = Ledger(args.ledger or self.work_dir / 'study_runs.json')
        # The digest of each network pretrained on this machine, by name.
        self.trunks: Dict[str, str] = {}

    def counts(self, key: str, record: dict) -> bool:
        """Whether a run's record counts for this study: a pretraining run
        (``pretrain/<net>/<digest>``), or a fine-tuning run of the iteration
        count asked for that started from the same trunk as its plain
        twin's run of the same dataset and seed (when both load the same
        network's weights)."""
        if key.startswith('pretrain/'):
            return True
        dataset, variant, seed = key.split('/')
        if record.get('iters') != self.args.iters[dataset]:
            return False
        if not shares_twin_trunk(variant):
            return True
        twin = VARIANTS[variant]['twin']
        twin_run = self.ledger.runs.get(f'{dataset}/{twin}/{seed}', {})
        return (twin_run.get('iters') == record['iters']
                and twin_run.get('trunk') == record.get('trunk'))

    def current(self, key: str) -> Optional[dict]:
        """The ledger's record of a run if it counts (:meth:`counts`)."""
        record = self.ledger.runs.get(key)
        return record if record and self.counts(key, record) else None

    def to_train(
            self, keys: List[Tuple[int, str,
                                   str]]) -> List[Tuple[int, str, str]]:
        """The ``(seed, dataset, variant)`` runs of ``keys`` to train once
        the networks they need are pretrained here (:attr:`trunks`): those
        without a run that counts, and, where a seed of a network's family
        has such a run, its other runs of another trunk than this machine's
        (the pairs are trained again on one trunk)."""
        missing = [(s, d, v) for s, d, v in keys
                   if self.current(f'{d}/{v}/seed{s}') is None]
        families = {(s, d, VARIANTS[v]['pretrained']) for s, d, v in missing}
        return [(s, d, v) for s, d, v in keys if (s, d, v) in missing or (
            (s, d, VARIANTS[v]['pretrained']) in families
            and self.ledger.runs[f'{d}/{v}/seed{s}'].get(
                'trunk') != self.trunks[VARIANTS[v]['pretrained']])]

    def pretrain_dir(self, net: str) -> Path:
        return self.pretrain_root / net

    def finetune_dir(self, dataset: str, variant: str, seed: int) -> Path:
        return self.work_dir / dataset / variant / f'seed{seed}'

    def pretrained_weights(self, net: str) -> str:
        """The last checkpoint of a finished pretraining run."""
        last = self.pretrain_dir(net) / 'last_checkpoint'
        if not (self.pretrain_dir(net) / 'study_run.json').exists():
            raise FileNotFoundError(f'{net} is not pretrained yet: no '
                                    f'{self.pretrain_dir(net)}/study_run.json')
        return last.read_text().strip()

    @staticmethod
    def pretrain_config(net: str) -> str:
        return f'configs/pretrain/{net}_custom27_crops.py'

    def attention_as_pretrained(self, backbone: dict, net: str) -> dict:
        """A fine-tuning backbone with its attention layers in the form that
        ``net`` was pretrained in.

        Args:
            backbone (dict): the backbone of a ``_trees`` config.
            net (str): the network pretrained by
                :meth:`pretrain_config`, of ``backbone``'s type.

        Returns:
            dict: ``backbone`` with its :data:`ATTENTION_ARGS` as the
            pretraining config sets them (left out where it leaves them out:
            the defaults), e.g. without the identity start, which changes
            SE's gate formula; its trunk settings (frozen stages,
            ``norm_eval``, ...) as they were.
        """
        pretrained = Config.fromfile(self.pretrain_config(net)).model.backbone
        if pretrained.type != backbone['type']:
            raise ValueError(f'{net} was pretrained as a {pretrained.type}, '
                             f'not as the detector\'s {backbone["type"]}')
        keys = ATTENTION_ARGS.get(backbone['type'], ())
        return dict({k: v
                     for k, v in backbone.items() if k not in keys},
                    **{k: pretrained[k]
                       for k in keys if k in pretrained})

    def finetune_config(self, dataset: str, variant: str) -> Path:
        """Write the run config of a variant on a dataset; return its path."""
        name = VARIANTS[variant].get('config', variant)
        trees = Config.fromfile(f'configs/faster_rcnn_{name}_trees.py')
        if dataset == 'trees':
            cfg = trees
        else:
            cfg = Config.fromfile(f'configs/faster_rcnn_{name}_{dataset}.py')
            cfg.model.backbone = trees.model.backbone
        net = VARIANTS[variant]['pretrained']
        if not shares_twin_trunk(variant):
            cfg.model.backbone = self.attention_as_pretrained(
                cfg.model.backbone, net)
        cfg.model.backbone.update(VARIANTS[variant].get('backbone', {}))
        cfg.model.backbone.init_cfg = dict(
            type='Pretrained',
            checkpoint=self.pretrained_weights(net),
            prefix='backbone.')
        # The schedule's keys replace the config's (custom27's loop is by
        # epoch, the schedule's by iteration).
        for key, value in Config.fromfile(self.args.schedule).items():
            cfg[key] = value
        iters = self.args.iters[dataset]
        cfg.merge_from_dict({
            'train_cfg.max_iters':
            iters,
            'train_cfg.val_interval':
            self.args.val_interval.get(dataset, iters),
            'param_scheduler.1.T_max':
            iters,
            'param_scheduler.1.end':
            iters,
            'default_hooks.checkpoint':
            dict(
                by_epoch=False, interval=max(iters // 4, 1), max_keep_ckpts=1),
            'log_processor':
            dict(by_epoch=False),
            # Validation scalars by iteration (the curve), not epoch 0.
            'default_hooks.logger.log_metric_by_epoch':
            False,
        })
        path = self.work_dir / dataset / variant / 'study_config.py'
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix('.tmp.py')
        cfg.dump(str(partial))
        os.replace(partial, path)
        return path

    def run(self, key: str, run_dir: Path, metric: str, config: str,
            options: List[str]) -> Tuple[Optional[dict], str]:
        """A run's record (metrics, minutes, trunk), training it unless it
        is done; an error string when it failed.

        A fine-tuning run is done when the ledger holds one of it from this
        machine's trunk and of the iteration count asked for; a pretraining
        run (``pretrain/<net>``) when its weights are in its run dir: their
        digest goes to :attr:`trunks` and the record to the ledger as
        ``pretrain/<net>/<digest>``.
        """
        pretraining = key.startswith('pretrain/')
        if not pretraining:
            dataset, variant, _ = key.split('/')
            trunk = self.trunks[VARIANTS[variant]['pretrained']]
            iters = self.args.iters[dataset]
            done = self.ledger.runs.get(key, {})
            if done.get('trunk') == trunk and done.get('iters') == iters:
                return done, ''
        record_file = run_dir / 'study_run.json'
        if record_file.exists():
            record = json.loads(record_file.read_text())
        else:
            # Pretraining on one thread: the same machine then gives the
            # same trunk again (a new checkout's runs pair with the ledger's).
            _, error = launch_training(TRAIN_TOOL, config, run_dir, options,
                                       1 if pretraining else self.threads)
            if error:
                return None, error
            scalars = last_scalars(run_dir, metric)
            if scalars is None:
                return None, f'trained but no {metric} in {run_dir}'
            spent = run_time(run_dir)
            record = dict(
                metrics={k: v
                         for k, v in scalars.items() if '/' in k},
                curve=metric_curve(run_dir, metric),
                minutes=spent['wall_seconds'] / 60,
                cpu_minutes=spent['cpu_seconds'] / 60,
                host=(f'{cpu_model()}, {os.cpu_count()} CPUs, '
                      f'{self.args.jobs} runs at a time, '
                      f'{1 if pretraining else self.threads} threads a run'))
            if not pretraining:
                record.update(trunk=trunk, iters=iters)
            record_file.write_text(json.dumps(record))
        if pretraining:
            net = key.split('/')[1]
            record['trunk'] = trunk_digest(self.pretrained_weights(net))
            self.trunks[net] = record['trunk']
            key = f'{key}/{record["trunk"]}'
        elif (record.get('trunk'), record.get('iters')) != (trunk, iters):
            return None, (f'{run_dir} holds a run of another trunk or '
                          'iteration count than this study\'s: move it '
                          'away to train this one')
        self.ledger.put(key, record)
        return record, ''


def run_all(study: Study, jobs: List[tuple]) -> List[str]:
    """Run ``(label, run_dir, metric, config, options)`` jobs side by side,
    printing each outcome; returns the errors."""
    done = 0
    lock = threading.Lock()

    def one(job: tuple) -> str:
        nonlocal done
        label, *run = job
        try:
            record, error = study.run(*run)
        except Exception as e:  # reported with the others at the end
            record, error = None, f'{type(e).__name__}: {e}'
        with lock:
            done += 1
            status = error or ', '.join(
                f'{k} {v:.3f}' for k, v in record['metrics'].items()
                if k in ('coco/bbox_mAP', 'accuracy/top1'))
            print(f'[{done}/{len(jobs)}] {label}: {status}', flush=True)
        return f'{label}: {error}' if error else ''

    with ThreadPoolExecutor(study.args.jobs) as pool:
        return [e for e in pool.map(one, jobs) if e]


def records(study: Study) -> Dict[str, dict]:
    """Every finished run of the study in the ledger, by
    ``pretrain/<net>/<digest>`` and ``<dataset>/<variant>/seed<N>`` (a run
    not paired with its twin's trunk, or of another iteration count, left
    out)."""
    return {
        key: record
        for key, record in study.ledger.runs.items()
        if study.counts(key, record)
    }


def rare_classes(args: argparse.Namespace) -> List[str]:
    """The ``--rare`` rarest classes of the custom27 training split."""
    root = args.data_root.get('custom27', 'data/custom27/')
    return rarest_classes(
        os.path.join(root, 'annotations', 'instances_train.json'), args.rare)


def fmt(values: Sequence[float]) -> str:
    """``mean ± std`` over seeds; the value alone for one seed."""
    spread = mean_std(values)
    if len(values) < 2:
        return f'{spread["mean"]:.3f}'
    return f'{spread["mean"]:.3f} ± {spread["std"]:.3f}'


def trunk_top1(runs: Dict[str, dict], net: str,
               fine_tunings: Sequence[dict]) -> str:
    """The top-1 on the val crops of each trunk of ``net`` that
    ``fine_tunings`` started from, once each in their order ('-' where the
    ledger holds none of them)."""
    pretrainings = (
        runs.get(f'pretrain/{net}/{run.get("trunk")}') for run in fine_tunings)
    return ', '.join(
        dict.fromkeys(f'{run["metrics"]["accuracy/top1"]:.2f}'
                      for run in pretrainings if run)) or '-'


def dataset_table(args: argparse.Namespace, runs: Dict[str, dict],
                  dataset: str) -> List[str]:
    """One dataset's table: every variant fine-tuned on it, its mAP, its
    paired Δ, its arm, and the top-1 of its trunks beside its twin's."""
    rare = rare_classes(args) if dataset == 'custom27' else []
    lines = [
        '', f'### {dataset}', '',
        '| Variant | Seeds | bbox mAP (mean ± std) | ' +
        (f'mAP, rarest {len(rare)} | ' if rare else '') +
        'Twin | Δ mAP | 95 % interval of Δ | Verdict | Arm | Trunk top-1 | '
        'Twin\'s trunk top-1 |', '|---|---:|---:|' +
        ('---:|' if rare else '') + '---|---:|---|---|---|---:|---:|'
    ]
    variants = [v for v in args.variants if runs_on(v, dataset)]
    done = {
        v: {
            s: runs[f'{dataset}/{v}/seed{s}']
            for s in args.seeds if f'{dataset}/{v}/seed{s}' in runs
        }
        for v in variants
    }
    for variant in variants:
        own = done[variant]
        arm = VARIANTS[variant]['arm']
        if not own:
            lines.append(f'| {variant} | 0 | pending |' +
                         (' |' if rare else '') + f' | | | | {arm} | | |')
            continue
        cells = [
            variant,
            str(len(own)),
            fmt([run['metrics']['coco/bbox_mAP'] for run in own.values()])
        ]
        if rare:
            cells.append(
                fmt([
                    run_summary(run['metrics'], rare)['rare_mAP']
                    for run in own.values()
                ]))
        twin = VARIANTS[variant]['twin']
        twin_runs = {
            s: run
            for s, run in done.get(twin, {}).items() if s in own
        }
        paired = [
            own[s]['metrics']['coco/bbox_mAP'] -
            run['metrics']['coco/bbox_mAP'] for s, run in twin_runs.items()
        ]
        if len(paired) > 1:
            mean, low, high = paired_interval(paired)
            cells += [
                twin, f'{mean:+.3f}', f'[{low:+.3f}, {high:+.3f}]',
                verdict(low, high)
            ]
        elif paired:
            cells += [twin, f'{paired[0]:+.3f}', 'needs 2 seeds', 'pending']
        else:
            cells += [twin or '-', '', '', '']
        cells += [
            arm,
            trunk_top1(runs, VARIANTS[variant]['pretrained'], own.values()),
            trunk_top1(runs, VARIANTS[twin]['pretrained'], twin_runs.values())
            if twin else ''
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    if rare:
        lines += [
            '', f'Rarest {len(rare)} training classes: '
            f'{", ".join(rare)}.'
        ]
    return lines


def curve_table(runs: Dict[str, dict]) -> List[str]:
    """The bbox mAP of every fine-tuning run validated more than once, by
    iteration (empty when no run was)."""
    curves = {
        key:
        {int(step): value
         for step, value in run.get('curve', {}).items()}
        for key, run in sorted(runs.items())
        if not key.startswith('pretrain/') and len(run.get('curve', {})) > 1
    }
    if not curves:
        return []
    steps = sorted({step for curve in curves.values() for step in curve})
    lines = [
        '', '### bbox mAP by iteration', '',
        '| Run | ' + ' | '.join(map(str, steps)) + ' |',
        '|---|' + '---:|' * len(steps)
    ]
    for key, curve in curves.items():
        lines.append(f'| {key} | ' +
                     ' | '.join(f'{curve[s]:.3f}' if s in curve else ''
                                for s in steps) + ' |')
    return lines


def cpu_time(runs: Dict[str, dict]) -> str:
    """The runs' total CPU time in words: the CPU minutes of their
    training launches; for runs recorded before those were measured, their
    recorded wall minutes instead (of their last launch only, including
    any time it was stopped), said as such."""
    measured = [r['cpu_minutes'] for r in runs.values() if 'cpu_minutes' in r]
    wall = [r['minutes'] for r in runs.values() if 'cpu_minutes' not in r]
    text = f'{sum(measured) / 60:.1f} CPU-hours of training'
    if wall:
        text += (f' ({len(measured)} runs measured; {len(wall)} recorded '
                 f'before CPU time was: their {sum(wall) / 60:.1f} wall-clock '
                 'hours are counted instead, giving '
                 f'{(sum(measured) + sum(wall)) / 60:.1f} in all)')
    return text


def hosts(runs: Dict[str, dict]) -> str:
    """Where the runs ran, in words: each host and its number of runs."""
    counts: Dict[str, int] = {}
    for run in runs.values():
        host = run.get('host', 'a host not recorded')
        counts[host] = counts.get(host, 0) + 1
    return '; '.join(f'{host} ({n} runs)' for host, n in counts.items())


def report(args: argparse.Namespace,
           runs: Dict[str, dict],
           left_out: int = 0) -> str:
    """The study's Markdown tables; ``left_out`` runs of the ledger (not
    paired with their twin's trunk, or of another iteration count) are
    counted, not reported."""
    lines = [
        f'{len(runs)} runs finished, {cpu_time(runs)}, on '
        f'{hosts(runs)}; seeds {args.seeds}; schedule '
        f'`{args.schedule}` with {args.iters} iterations.' +
        (f' {left_out} runs of the ledger, not paired with their twin\'s '
         'trunk or of another iteration count, are left out.'
         if left_out else ''), '',
        '| Pretrained network | top-1 on val crops | CPU min | trunk digest '
        '| runs fine-tuned from it |', '|---|---:|---:|---|---:|'
    ]
    pretrainings = sorted(
        (key.split('/')[1:] + [run]
         for key, run in runs.items() if key.startswith('pretrain/')),
        key=lambda item: (PRETRAINED.index(item[0]), item[1]))
    for net, trunk, run in pretrainings:
        minutes = run.get('cpu_minutes', run['minutes'])
        used = sum(
            fine_tuning.get('trunk') == trunk
            for key, fine_tuning in runs.items()
            if not key.startswith('pretrain/')
            and VARIANTS[key.split('/')[1]]['pretrained'] == net)
        lines.append(f'| {net} | {run["metrics"]["accuracy/top1"]:.2f} '
                     f'| {minutes:.0f} | `{trunk}` | {used} |')
    for dataset in args.datasets:
        lines += dataset_table(args, runs, dataset)
    lines += curve_table(runs)
    return '\n'.join(lines) + '\n'


def fine_tuning_runs(args: argparse.Namespace) -> List[Tuple[int, str, str]]:
    """The ``(seed, dataset, variant)`` fine-tuning runs that the arguments
    ask for, each variant on its datasets only (:func:`runs_on`)."""
    return [(s, d, v) for s in args.seeds for d in args.datasets
            for v in args.variants if runs_on(v, d)]


def main() -> None:
    args = parse_args()
    study = Study(args)
    nets = sorted({VARIANTS[v]['pretrained']
                   for v in args.variants},
                  key=PRETRAINED.index)
    finetune_keys = fine_tuning_runs(args)
    if not args.report_only:
        # Only the trunks that a run still to train needs.
        needed = set(VARIANTS[v]['pretrained'] for s, d, v in finetune_keys
                     if study.current(f'{d}/{v}/seed{s}') is None)
        pretrain_jobs = [
            (f'pretrain {n}', f'pretrain/{n}', study.pretrain_dir(n),
             'accuracy/top1', study.pretrain_config(n),
             ['randomness.seed=0', *option_strings(args.pretrain_options)])
            for n in nets if n in needed or args.pretrain_only
        ]
        errors = run_all(study, pretrain_jobs)
        if errors:
            raise SystemExit('pretraining failed: ' + '; '.join(errors))
    if not (args.report_only or args.pretrain_only):
        pending = study.to_train(finetune_keys)
        configs = {(d, v): str(study.finetune_config(d, v))
                   for _, d, v in pending}
        finetune_jobs = [
            (f'{d} {v} seed {s}', f'{d}/{v}/seed{s}',
             study.finetune_dir(d, v, s), 'coco/bbox_mAP', configs[d, v], [
                 f'randomness.seed={s}', *data_root_options(args, d),
                 *option_strings(args.finetune_options)
             ]) for s, d, v in pending
        ]
        errors = run_all(study, finetune_jobs)
        if errors:
            raise SystemExit('runs failed: ' + '; '.join(errors))
    runs = records(study)
    table = report(args, runs, len(study.ledger.runs) - len(runs))
    study.work_dir.mkdir(parents=True, exist_ok=True)
    (study.work_dir / 'study.md').write_text(table)
    if args.out:
        Path(args.out).write_text(table)
    print(table)


if __name__ == '__main__':
    main()
