"""Time CBAM's forward+backward with the two ways it can take its maxima.

In training mode :class:`~mmdet_attn.models.layers.CBAM` takes the channel
and spatial maxima with indices (``adaptive_max_pool2d``, ``max(dim=1)``);
in eval mode by ``amax``; nothing else differs between its modes (no norm
or dropout by default). This tool times forward+backward in both modes on
the same layer and input, interleaved run by run in one process (so that a
change of machine load hits both), and prints the medians and the median
of the per-pair ratio, one line per shape.

Example:
    python tools/analysis_tools/benchmark_cbam_max.py --threads 1
"""
import argparse
import statistics
import time

import torch

from mmdet_attn.models.layers import CBAM

#: ResNet-50 stage shapes (C, H = W) at a 224 x 224 input.
SHAPES = ((256, 56), (512, 28), (1024, 14), (2048, 7))


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--repeats', type=int, default=21)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch.set_num_threads; default: torch\'s choice')
    args = parser.parse_args()
    if args.batch < 1 or args.repeats < 1 or args.warmup < 0:
        parser.error('need --batch >= 1, --repeats >= 1 and --warmup >= 0')
    return args


def train_step_seconds(layer: CBAM, x: torch.Tensor, amax: bool) -> float:
    """One forward+backward of ``layer`` on a copy of ``x``, in eval mode
    (maxima by ``amax``) or in training mode (with indices)."""
    layer.train(not amax)
    x = x.clone().requires_grad_()
    start = time.perf_counter()
    layer(x).sum().backward()
    return time.perf_counter() - start


def main() -> None:
    """Print one line per shape."""
    args = parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(0)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'batch {args.batch}, median of {args.repeats} pairs after '
          f'{args.warmup} warm-up pairs')
    for channels, size in SHAPES:
        layer = CBAM(channels)
        x = torch.randn(args.batch, channels, size, size)
        times = {True: [], False: []}
        for run in range(args.warmup + args.repeats):
            for amax in (True, False):
                seconds = train_step_seconds(layer, x, amax)
                if run >= args.warmup:
                    times[amax].append(seconds)
        ratio = statistics.median(
            indexed / by_amax
            for indexed, by_amax in zip(times[False], times[True]))
        print(f'{channels}x{size}x{size}: amax '
              f'{statistics.median(times[True]) * 1e3:.1f} ms, with indices '
              f'{statistics.median(times[False]) * 1e3:.1f} ms, median ratio '
              f'{ratio:.2f}')


if __name__ == '__main__':
    main()
