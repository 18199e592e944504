"""Does an attention map shut while a detector trains? Train a config for a
few iterations and record, at each one, the mean of every attention map of
its backbone (each ``Gate`` output) and the loss.

A multiplicative gate whose map reaches 0 passes nothing and, its sigmoid
saturated, gets no gradient to open again: the stage it gates is lost to
the neck. The pretrained study's gated ResNet-18 lost stages 1-3 that way
in one seed out of five (``research/results/pretrained_study.md``); this
script shows when and where.

Example:
    run=work_dirs/pretrained_study/custom27/attn_r18_pretrained/seed4
    python research/gate_trace.py $run/study_config.py --seed 4 \\
        --iters 120 --out work_dirs/gate_trace/attn_r18_seed4.md
    # the same with the attention layers' BN in train mode:
    python research/gate_trace.py $run/study_config.py --seed 4 \\
        --iters 120 --cfg-options model.backbone.attention_norm_eval=False
"""
import argparse
from pathlib import Path
from typing import Dict, List, Optional

from mmengine.config import DictAction
from mmengine.hooks import Hook

from mmdet_attn.models.layers.base import Gate
from mmdet_attn.utils import (build_runner, checkpoint_safe_globals,
                              load_run_config)


class GateTrace(Hook):
    """Record the mean of each backbone ``Gate``'s output in training, and
    the loss, after every training iteration (:attr:`rows`)."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.means: Dict[str, float] = {}
        self.rows: List[dict] = []

    def before_train(self, runner) -> None:
        model = getattr(runner.model, 'module', runner.model)
        gates = [(name, module)
                 for name, module in model.backbone.named_modules()
                 if isinstance(module, Gate)]
        if not gates:
            raise ValueError(f'{type(model.backbone).__name__} has no '
                             'attention map (Gate) to trace')
        for name, module in gates:
            module.register_forward_hook(self._recorder(name))

    def _recorder(self, name: str):

        def record(module, inputs, output) -> None:
            if module.training:
                self.means[name] = output.detach().mean().item()

        return record

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        loss = (outputs or {}).get('loss')
        self.rows.append(
            dict(
                iter=runner.iter + 1,
                loss=None if loss is None else float(loss),
                **self.means))


def trace(config: str,
          seed: int,
          iters: int,
          work_dir: str,
          cfg_options: Optional[dict] = None) -> List[dict]:
    """Train ``config`` (with ``cfg_options``) with ``seed`` for its first
    ``iters`` iterations (its schedulers by iteration, warm-up included;
    those by epoch do not step; no validation, no checkpoint) and return
    :class:`GateTrace`'s rows."""
    cfg = load_run_config(config, cfg_options, work_dir)
    cfg.randomness = dict(seed=seed)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=-1, save_last=False)
    runner = build_runner(cfg)
    hook = GateTrace()
    runner.register_hook(hook)
    with checkpoint_safe_globals():
        runner.train()
    return hook.rows


def markdown(rows: List[dict], every: int) -> str:
    """Every ``every``-th row (and the first and last) as a table: one
    column per map, named by its module."""
    names = [k for k in rows[0] if k not in ('iter', 'loss')]
    lines = [
        '| iteration | loss | ' + ' | '.join(f'`{n}`' for n in names) + ' |',
        '|---:|---:|' + '---:|' * len(names)
    ]
    for i, row in enumerate(rows):
        if i in (0, len(rows) - 1) or row['iter'] % every == 0:
            loss = '-' if row['loss'] is None else f'{row["loss"]:.3f}'
            lines.append(f'| {row["iter"]} | {loss} | ' +
                         ' | '.join(f'{row[n]:.3f}' for n in names) + ' |')
    return '\n'.join(lines) + '\n'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a detector config (a study run\'s)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--iters', type=int, default=100, help='iterations to train')
    parser.add_argument(
        '--every', type=int, default=10, help='a table row every N')
    parser.add_argument(
        '--work-dir',
        help='the run\'s logs (default: work_dirs/gate_trace/<config>)')
    parser.add_argument('--out', help='write the table here too')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, as in tools/train.py')
    args = parser.parse_args(argv)
    if min(args.iters, args.every) < 1:
        parser.error('--iters and --every must be >= 1')
    return args


def main(argv: Optional[List[str]] = None) -> List[dict]:
    """Trace, print the table (and write ``--out``); returns the rows."""
    args = parse_args(argv)
    work_dir = args.work_dir or str(
        Path('work_dirs/gate_trace') / Path(args.config).stem)
    rows = trace(args.config, args.seed, args.iters, work_dir,
                 args.cfg_options)
    table = markdown(rows, args.every)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(table)
    print(table)
    return rows


if __name__ == '__main__':
    main()
