"""Export the backbone of a detector config to ONNX.

Usage, from the repository root::

    python tools/deployment/export_backbone_onnx.py CONFIG \\
        [--checkpoint CKPT] [--out FILE] [--shape H W] [--opset 18] \\
        [--check-shapes H W [H W ...]] [--atol 1e-4] [--rtol 1e-3]

Writes one ``.onnx`` file (default ``work_dirs/onnx/<config>.onnx``) with
input ``image`` (N x 3 x H x W, N, H and W dynamic) and one output per
backbone stage (``stage0``...), then runs it in onnxruntime and compares it
with PyTorch at the export size and the ``--check-shapes`` sizes: prints the
largest absolute difference per output and exits with status 1 when one
exceeds ``--atol`` + ``--rtol`` x the output's largest value.
"""
import argparse
import os
import os.path as osp
from typing import List, Optional

from mmengine.config import DictAction

from mmdet_attn.deployment import (MIN_OPSET, build_backbone,
                                   compare_with_onnxruntime,
                                   export_backbone_onnx)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export a config\'s backbone to ONNX (dynamic H and W) '
        'and check it against PyTorch with onnxruntime')
    parser.add_argument('config', help='detector config')
    parser.add_argument(
        '--checkpoint', help='detector checkpoint (default: random weights)')
    parser.add_argument(
        '--out', help='ONNX file (default: work_dirs/onnx/<config>.onnx)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[224, 224],
        metavar=('H', 'W'),
        help='size of the example input traced')
    parser.add_argument(
        '--opset',
        type=int,
        default=MIN_OPSET,
        help=f'ONNX opset (at least {MIN_OPSET})')
    parser.add_argument(
        '--check-shapes',
        type=int,
        nargs='+',
        default=[320, 256],
        metavar='H W',
        help='further sizes (H W pairs) at which onnxruntime must match '
        'PyTorch, to show that H and W are dynamic')
    parser.add_argument('--atol', type=float, default=1e-4)
    parser.add_argument('--rtol', type=float, default=1e-3)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    args = parser.parse_args(argv)
    if not osp.isfile(args.config):
        parser.error(f'config {args.config!r} does not exist')
    if args.checkpoint is not None and not osp.isfile(args.checkpoint):
        parser.error(f'checkpoint {args.checkpoint!r} does not exist')
    if args.opset < MIN_OPSET:
        parser.error(f'--opset must be at least {MIN_OPSET}, got '
                     f'{args.opset}')
    if len(args.check_shapes) % 2:
        parser.error(f'--check-shapes takes H W pairs, got '
                     f'{args.check_shapes}')
    if min(args.shape + args.check_shapes) < 32:
        parser.error('sizes must be at least 32 pixels (the deepest stage '
                     'has stride 32)')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    out = args.out or osp.join(
        'work_dirs', 'onnx',
        osp.splitext(osp.basename(args.config))[0] + '.onnx')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    backbone = build_backbone(args.config, args.checkpoint, args.cfg_options)
    export_backbone_onnx(backbone, out, tuple(args.shape), args.opset)
    pairs = args.check_shapes
    shapes = [tuple(args.shape)] + list(zip(pairs[::2], pairs[1::2]))
    rows = compare_with_onnxruntime(backbone, out, shapes)
    failed = 0
    print(f'{out}: opset {args.opset}, input image N x 3 x H x W (N, H, W '
          f'dynamic); onnxruntime vs PyTorch:')
    for row in rows:
        bound = args.atol + args.rtol * row['max_abs']
        ok = row['max_abs_diff'] <= bound
        failed += not ok
        height, width = row['shape']
        print(f'  {height}x{width} stage{row["output"]}: max |diff| '
              f'{row["max_abs_diff"]:.2e} (bound {bound:.2e}) '
              f'{"ok" if ok else "EXCEEDS"}')
    return 1 if failed else 0


if __name__ == '__main__':
    raise SystemExit(main())
