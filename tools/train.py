"""Train a detector: MMDetection's ``tools/train.py``, working on this stack.

Same flags and behaviour as MMDetection's train tool. In addition:
checkpoints load under torch >= 2.6 with weights-only loading kept on
(``--resume``, ``load_from``), ``--launcher pytorch`` runs gloo ranks when no
GPU is present, and ``--cfg-options`` keys are checked before merging.
"""
import argparse

import torch
from mmdet.utils import setup_cache_size_limit_of_dynamo

from mmdet_attn.utils import (add_runner_arguments, build_runner,
                              checkpoint_safe_globals,
                              fetch_pretrained_checkpoints, load_run_config,
                              parse_runner_args)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic mixed precision training (GPU only)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the real batch size over '
        'auto_scale_lr.base_batch_size')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or, without a path, from the '
        'latest checkpoint in the work directory')
    add_runner_arguments(parser)
    return parse_runner_args(parser)


def main() -> None:
    args = parse_args()
    setup_cache_size_limit_of_dynamo()
    cfg = load_run_config(args.config, args.cfg_options, args.work_dir,
                          args.launcher)

    if args.amp:
        if not torch.cuda.is_available():
            raise SystemExit('--amp needs a GPU: MMEngine\'s AmpOptimWrapper '
                             'does not run on CPU. Drop --amp to train in '
                             'fp32.')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'

    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise SystemExit('--auto-scale-lr needs auto_scale_lr = dict('
                             'enable=False, base_batch_size=N) in the config.')
        cfg.auto_scale_lr.enable = True

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    fetch_pretrained_checkpoints(cfg)
    runner = build_runner(cfg)
    with checkpoint_safe_globals():
        runner.train()


if __name__ == '__main__':
    main()
