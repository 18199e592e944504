"""Where a detector's training step spends its CPU time.

Builds the config's runner as ``tools/train.py`` would (data loader,
model, optimiser wrapper), runs ``--warmup`` training steps, then profiles
``--iters`` more with ``torch.profiler`` (each step as in MMEngine's
``IterBasedTrainLoop``: next batch, ``model.train_step``). It logs the
seconds per step and a breakdown of the profiled CPU time (on a GPU machine
that is the host's side only):

- convolutions, forward and backward (the ``aten`` convolution kernels);
- RoIAlign, forward and backward (MMCV's op);
- matrix products (``aten::mm``/``addmm``: the box head's fully connected
  layers, and :class:`~mmdet_attn.models.roi_heads.SparseRoIAlign`'s
  sparse products, forward and backward);
- NMS (MMCV's op, in the RPN's proposals);
- the optimiser's ``step`` and ``zero_grad``;
- the rest (norms, activations, losses, gradient clipping, data, Python),

then the profiler's table of the ``--row-limit`` most expensive operators
by own time. Each step fetches its batch from the config's data loader, so
the figures include data loading as training does.

Example:
    python research/profile_train_step.py \\
        configs/faster_rcnn_r18_custom27.py --iters 20
    python research/profile_train_step.py \\
        configs/faster_rcnn_r18_custom27.py --cfg-options \\
        model.roi_head.bbox_roi_extractor.roi_layer.type=RoIAlign
"""
import argparse
import os.path as osp
import re
import time
from typing import Dict, Iterator, List, Optional

import torch
from mmengine import MMLogger
from mmengine.config import DictAction
from mmengine.runner import Runner
from torch.profiler import ProfilerActivity, profile

from mmdet_attn.utils import load_run_config

#: Breakdown groups: name, pattern on the operator's name, whether the
#: operator's own time (self) or its total time counts.
GROUPS = (
    ('convolutions', re.compile(r'^aten::(.*conv.*|thnn_conv2d)$'), 'self'),
    ('RoIAlign', re.compile(r'^RoIAlignFunction(Backward)?$'), 'self'),
    ('matrix products', re.compile(r'^aten::(mm|addmm)$'), 'self'),
    ('NMS', re.compile(r'^NMSop$'), 'self'),
    ('optimiser', re.compile(r'^Optimizer\.(step|zero_grad)#'), 'total'),
)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='detector config')
    parser.add_argument('--iters', type=int, default=20, help='steps timed')
    parser.add_argument(
        '--warmup', type=int, default=5, help='steps run before timing')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch.set_num_threads; default: torch\'s choice')
    parser.add_argument(
        '--row-limit',
        type=int,
        default=25,
        help='operators in the profiler table')
    parser.add_argument(
        '--work-dir',
        help='the runner\'s work dir (logs); default: '
        'work_dirs/profile_train_step/<config name>')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, as in tools/train.py')
    args = parser.parse_args(argv)
    if args.iters < 1 or args.warmup < 0:
        parser.error(f'need --iters >= 1 and --warmup >= 0, got '
                     f'{args.iters} and {args.warmup}')
    if args.threads is not None and args.threads < 1:
        parser.error(f'--threads must be >= 1, got {args.threads}')
    return args


def endless(loader) -> Iterator:
    """The loader's batches, epoch after epoch."""
    while True:
        yield from loader


def breakdown(events) -> Dict[str, float]:
    """Seconds per :data:`GROUPS` entry, ``rest`` and ``total`` from the
    profiler's ``key_averages()``."""
    total = sum(e.self_cpu_time_total for e in events) / 1e6
    seconds = {name: 0. for name, _, _ in GROUPS}
    for event in events:
        for name, pattern, kind in GROUPS:
            if pattern.match(event.key):
                seconds[name] += (event.self_cpu_time_total if kind == 'self'
                                  else event.cpu_time_total) / 1e6
    seconds['rest'] = total - sum(seconds.values())
    seconds['total'] = total
    return seconds


def main(argv: Optional[List[str]] = None) -> Dict[str, float]:
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    cfg = load_run_config(
        args.config,
        args.cfg_options,
        work_dir=args.work_dir
        or osp.join('work_dirs', 'profile_train_step',
                    osp.splitext(osp.basename(args.config))[0]))
    runner = Runner.from_cfg(cfg)
    logger = MMLogger.get_current_instance()
    model = runner.model
    model.train()
    optim_wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
    batches = endless(runner.build_dataloader(cfg.train_dataloader))
    for _ in range(args.warmup):
        model.train_step(next(batches), optim_wrapper)
    start = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(args.iters):
            model.train_step(next(batches), optim_wrapper)
    per_step = (time.perf_counter() - start) / args.iters
    events = prof.key_averages()
    seconds = breakdown(events)
    logger.info(f'{args.config}: {per_step:.3f} s per training step '
                f'({args.iters} steps after {args.warmup}, '
                f'{torch.get_num_threads()} threads; profiled)')
    for name, value in seconds.items():
        if name != 'total':
            logger.info(f'  {name:16s} {value / args.iters:7.3f} s/step '
                        f'{100 * value / seconds["total"]:5.1f} %')
    logger.info(
        '\n' +
        events.table(sort_by='self_cpu_time_total', row_limit=args.row_limit))
    return dict(
        seconds_per_step=per_step,
        **{k: v / args.iters
           for k, v in seconds.items()})


if __name__ == '__main__':
    main()
