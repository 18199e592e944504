"""Test (and evaluate) a detector: MMDetection's ``tools/test.py`` on this
stack.

Same flags as MMDetection's test tool. In addition: the checkpoint loads
under torch >= 2.6 with weights-only loading kept on, ``--launcher pytorch``
runs gloo ranks when no GPU is present, and ``--cfg-options`` keys are
checked before merging.
"""
import argparse
import os

from mmdet.engine.hooks.utils import trigger_visualization_hook
from mmdet.evaluation import DumpDetResults
from mmdet.utils import setup_cache_size_limit_of_dynamo
from mmengine.config import ConfigDict

from mmdet_attn.utils import (add_runner_arguments, build_runner,
                              checkpoint_safe_globals, load_run_config,
                              parse_runner_args)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a detector')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out', help='dump predictions to a .pkl file for offline analysis')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='save painted images under work_dir/<timestamp>/<show-dir>')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--tta',
        action='store_true',
        help='test-time augmentation with the config\'s tta_model and '
        'tta_pipeline')
    add_runner_arguments(parser)
    args = parse_runner_args(parser)
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        parser.error(f'--out must name a .pkl or .pickle file, got '
                     f'{args.out!r}')
    if not os.path.isfile(args.checkpoint):
        parser.error(f'checkpoint {args.checkpoint!r} does not exist')
    return args


def main() -> None:
    args = parse_args()
    setup_cache_size_limit_of_dynamo()
    cfg = load_run_config(args.config, args.cfg_options, args.work_dir,
                          args.launcher)
    cfg.load_from = args.checkpoint

    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)

    if args.tta:
        missing = [k for k in ('tta_model', 'tta_pipeline') if k not in cfg]
        if missing:
            raise SystemExit(f'--tta needs {missing} in the config '
                             f'(see MMDetection\'s DetTTAModel).')
        cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline

    runner = build_runner(cfg)
    if args.out is not None:
        runner.test_evaluator.metrics.append(
            DumpDetResults(out_file_path=args.out))
    with checkpoint_safe_globals():
        runner.test()


if __name__ == '__main__':
    main()
