"""Time the attention layers against the memory-traffic floor.

Papers: those of the layers timed (ECA-Net, Wang et al. CVPR 2020; Attention
U-Net, Oktay et al. MIDL 2018; SE, Hu et al. CVPR 2018; CBAM, Woo et al.
ECCV 2018; SAM, the Streamlined Attention Module repository; Non-local,
Wang et al. CVPR 2018); see each layer's module docstring for its formula
and its parameter and FLOP cost.

For each layer at the four ResNet-50 stage shapes (``--batch`` 8 by
default: 256x56x56, 512x28x28, 1024x14x14, 2048x7x7) it measures the forward
time (eval mode, no grad) and the forward+backward time (train mode,
backward of ``out.sum()``), each as a ratio to the floor measured on the same
tensor in the same run, alternating with the layer run by run:
``x.clone()`` for the forward and ``x.clone().sum().backward()`` (``x``
requiring grad) for forward+backward. Times are medians of ``--repeats`` runs
after ``--warmup`` runs (``torch.cuda.synchronize`` around each on CUDA).
The AttentionGate is gated by a ``batch x 2048 x 7 x 7`` map (the deepest
ResNet-50 stage). It prints a Markdown table, one row per layer and shape,
with the parameter count.

Shape contract: inputs ``batch x C x H x W`` as above; outputs equal them.

Example:
    python research/benchmark_attention.py --repeats 10
    python research/benchmark_attention.py --device cuda --amp
"""
import argparse
import os
from typing import Dict, Sequence, Tuple

import torch
import torch.nn as nn

from mmdet_attn.analysis.benchmark import cpu_name, median_times
from mmdet_attn.models.layers import ATTENTION_TYPES, build_attention

STAGES: Tuple[Tuple[int, int, int], ...] = ((256, 56, 56), (512, 28, 28),
                                            (1024, 14, 14), (2048, 7, 7))
GATING_SHAPE = (2048, 7, 7)


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument(
        '--amp', action='store_true', help='bf16 autocast for the layers')
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch.set_num_threads (CPU); default: torch\'s choice')
    parser.add_argument(
        '--modules',
        nargs='+',
        default=list(ATTENTION_TYPES),
        choices=ATTENTION_TYPES)
    return parser.parse_args()


def bench(layer: nn.Module, x: torch.Tensor, extra: Sequence[torch.Tensor],
          args: argparse.Namespace,
          device: torch.device) -> Tuple[float, float, float, float]:
    """Time ``layer(x, *extra)`` and its floors on ``x``.

    Args:
        layer (nn.Module): The attention layer.
        x (Tensor): Its input.
        extra (Sequence[Tensor]): Further inputs (the gating map).
        args (argparse.Namespace): ``repeats``, ``warmup`` and ``amp``.
        device (torch.device): Where ``layer`` and ``x`` live.

    Returns:
        tuple[float]: Medians in ms of the forward, ``x.clone()``, the
        forward+backward and ``x.clone().sum().backward()``.
    """
    autocast = torch.autocast(
        device_type=device.type, dtype=torch.bfloat16, enabled=args.amp)
    x_grad = x.detach().requires_grad_(True)

    def forward() -> None:
        with torch.no_grad(), autocast:
            layer(x, *extra)

    def clone() -> None:
        with torch.no_grad():
            x.clone()

    def forward_backward() -> None:
        with autocast:
            out = layer(x_grad, *extra)
        out.float().sum().backward()
        x_grad.grad = None
        layer.zero_grad(set_to_none=True)

    def clone_backward() -> None:
        x_grad.clone().sum().backward()
        x_grad.grad = None

    layer.eval()
    fwd, floor_fwd = median_times([forward, clone], args.repeats, args.warmup,
                                  device)
    layer.train()
    fwd_bwd, floor_fwd_bwd = median_times([forward_backward, clone_backward],
                                          args.repeats, args.warmup, device)
    return fwd, floor_fwd, fwd_bwd, floor_fwd_bwd


def main() -> None:
    """Run the benchmark and print the table."""
    args = parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    gating = torch.randn(args.batch, *GATING_SHAPE, device=device)
    print(f'torch {torch.__version__}, device {device} '
          f'({cpu_name()}, {torch.get_num_threads()} threads), '
          f'batch {args.batch}, '
          f'amp {"bf16" if args.amp else "off"}, '
          f'median of {args.repeats} after {args.warmup} warm-up, '
          f'load average {os.getloadavg()[0]:.2f} at start\n')
    print('| Layer | Stage C x H x W | Params | Fwd ms | clone ms '
          '| Fwd / clone | Fwd+bwd ms | floor ms | Fwd+bwd / floor |')
    print('|---|---|---:|---:|---:|---:|---:|---:|---:|')
    for channels, height, width in STAGES:
        x = torch.randn(args.batch, channels, height, width, device=device)
        for name in args.modules:
            cfg: Dict = dict(type=name)
            extra: Tuple[torch.Tensor, ...] = ()
            if name == 'AttentionGate':
                cfg['gating_channels'] = GATING_SHAPE[0]
                extra = (gating, )
            layer = build_attention(cfg, channels).to(device)
            params = sum(p.numel() for p in layer.parameters())
            fwd, floor_fwd, fwd_bwd, floor_fwd_bwd = bench(
                layer, x, extra, args, device)
            print(f'| {name} | {channels}x{height}x{width} | {params} | '
                  f'{fwd:.2f} | {floor_fwd:.2f} | {fwd / floor_fwd:.2f} | '
                  f'{fwd_bwd:.2f} | {floor_fwd_bwd:.2f} | '
                  f'{fwd_bwd / floor_fwd_bwd:.2f} |')


if __name__ == '__main__':
    main()
