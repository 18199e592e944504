"""Compare the backbones of detector configs with ResNet-50.

For each config given on the command line it builds ``cfg.model.backbone``
(after the config's ``custom_imports``) and reports its parameters, its FLOPs
at ``3 x --flops-size`` (800 x 1333 by default; MMEngine's FlopAnalyzer,
which counts one multiply-add as one FLOP), and its forward time (eval mode,
no grad) and forward+backward time (train mode, backward of the sum of the
outputs) at ``--batch x 3 x --size`` (2 x 3 x 512 x 512 by default), each
time as a ratio to a plain MMDetection ``ResNet(depth=50)`` measured in the
same run, first. Times are medians of ``--repeats`` runs after ``--warmup``
runs (``torch.cuda.synchronize`` around each on CUDA). Configs whose
backbones are identical are measured once. It prints a Markdown table.

With ``--depth-reference``, each backbone that has a ``depth`` (the ResNet
family) is also compared with a plain MMDetection ``ResNet`` of that depth,
built with the backbone's own ``norm_eval``/``frozen_stages``/``with_cp``/
``norm_cfg``/``style`` (read from the built backbone, so class defaults
count) and measured once per setting in the same run; two more columns
give those ratios.

Papers: those of the backbones measured (see each backbone's docstring);
ResNet, He et al. CVPR 2016.

Example:
    python tools/analysis_tools/benchmark_backbones.py --repeats 3
    python tools/analysis_tools/benchmark_backbones.py \
        configs/faster_rcnn_ran56.py --device cuda --repeats 20
    python tools/analysis_tools/benchmark_backbones.py --depth-reference \
        configs/faster_rcnn_r50.py configs/faster_rcnn_se_r50.py
"""
import argparse
import platform
from typing import Dict, List, Tuple

import torch
import torch.nn as nn
from mmdet.models.backbones import ResNet
from mmdet.registry import MODELS
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmengine.utils import import_modules_from_strings

from mmdet_attn.utils.benchmark import median_times

DEFAULT_CONFIGS = [
    'configs/faster_rcnn_r18.py', 'configs/faster_rcnn_ran56.py',
    'configs/faster_rcnn_ran92.py', 'configs/faster_rcnn_cspmirrornet_fpn.py',
    'configs/faster_rcnn_cspmirrornet_pafpn.py'
]
REFERENCE = 'ResNet-50 (reference)'
# Trunk settings a same-depth plain ResNet reference copies from a backbone.
TRUNK_KEYS = ('norm_eval', 'frozen_stages', 'with_cp', 'norm_cfg', 'style')


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='*', default=DEFAULT_CONFIGS)
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument(
        '--size', type=int, nargs=2, default=[512, 512], metavar=('H', 'W'))
    parser.add_argument(
        '--flops-size',
        type=int,
        nargs=2,
        default=[800, 1333],
        metavar=('H', 'W'))
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch.set_num_threads (CPU); default: torch\'s choice')
    parser.add_argument(
        '--depth-reference',
        action='store_true',
        help='also compare each backbone with a `depth` to a plain ResNet '
        'of that depth and trunk settings')
    args = parser.parse_args()
    if args.repeats < 1 or args.warmup < 0 or args.batch < 1:
        parser.error('need --repeats >= 1, --warmup >= 0 and --batch >= 1')
    return args


def load_backbone_cfg(config: str) -> ConfigDict:
    """``model.backbone`` of ``config``, with its ``custom_imports`` done and
    its default scope set, ready for ``MODELS.build``."""
    cfg = Config.fromfile(config)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    return cfg.model.backbone


def backbone_name(backbone_cfg: ConfigDict) -> str:
    """A readable name: the type, then its ``arch`` or ``depth``."""
    name = backbone_cfg.type
    for key in ('arch', 'depth'):
        if key in backbone_cfg:
            name += f'-{backbone_cfg[key]}'
    return name


def measure(model: nn.Module, args: argparse.Namespace,
            device: torch.device) -> Dict[str, float]:
    """Parameters, FLOPs, forward and forward+backward medians (ms)."""
    model = model.to(device)
    params = sum(p.numel() for p in model.parameters())
    model.eval()
    flops = get_model_complexity_info(
        model,
        input_shape=(3, *args.flops_size),
        show_table=False,
        show_arch=False)['flops']
    x = torch.rand(args.batch, 3, *args.size, device=device)

    def forward() -> None:
        with torch.no_grad():
            model(x)

    def forward_backward() -> None:
        sum(out.sum() for out in model(x)).backward()
        model.zero_grad(set_to_none=True)

    (fwd, ) = median_times([forward], args.repeats, args.warmup, device)
    model.train()
    (fwd_bwd, ) = median_times([forward_backward], args.repeats, args.warmup,
                               device)
    return dict(params=params, flops=flops, fwd=fwd, fwd_bwd=fwd_bwd)


def depth_reference_cfg(backbone: nn.Module) -> ConfigDict:
    """A plain ``ResNet`` of the backbone's depth and trunk settings."""
    return ConfigDict(
        type='ResNet',
        depth=backbone.depth,
        **{k: getattr(backbone, k)
           for k in TRUNK_KEYS if hasattr(backbone, k)})


def main() -> None:
    """Measure ResNet-50, then each config's backbone (and, if asked, its
    same-depth plain ResNet); print the table."""
    args = parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    # Untrained backbones in eval mode (fresh BN statistics) can produce
    # denormal floats, which slow CPU kernels by orders of magnitude.
    torch.set_flush_denormal(True)
    torch.manual_seed(0)
    rows: List[Tuple[str, str, Dict[str, float]]] = [
        (REFERENCE, 'ResNet-50', measure(ResNet(depth=50), args, device))
    ]
    measured: Dict[str, Dict[str, float]] = {}

    def measure_once(backbone_cfg: ConfigDict) -> Dict[str, float]:
        key = repr(backbone_cfg)
        if key not in measured:
            measured[key] = measure(
                MODELS.build(backbone_cfg), args, device)
        return measured[key]

    depth_refs: List[Dict[str, float]] = []
    for config in args.configs:
        backbone_cfg = load_backbone_cfg(config)
        depth_ref: Dict[str, float] = {}
        if args.depth_reference and 'depth' in backbone_cfg:
            depth_ref = measure_once(
                depth_reference_cfg(MODELS.build(backbone_cfg)))
        depth_refs.append(depth_ref)
        rows.append((config, backbone_name(backbone_cfg),
                     measure_once(backbone_cfg)))
    ref = rows[0][2]
    print(f'torch {torch.__version__}, device {device} '
          f'({platform.processor() or platform.machine()}, '
          f'{torch.get_num_threads()} threads); FLOPs (multiply-adds) at '
          f'1x3x{args.flops_size[0]}x{args.flops_size[1]}; times at '
          f'{args.batch}x3x{args.size[0]}x{args.size[1]}, median of '
          f'{args.repeats} after {args.warmup} warm-up\n')
    extra = (' Fwd / same-depth ResNet | Fwd+bwd / same-depth ResNet |'
             if args.depth_reference else '')
    print('| Config | Backbone | Params (M) | FLOPs (G) | Fwd ms '
          '| Fwd / R-50 | Fwd+bwd ms | Fwd+bwd / R-50 |' + extra)
    print('|---|---|---:|---:|---:|---:|---:|---:|' +
          '---:|---:|' * args.depth_reference)
    for (config, name, m), depth_ref in zip(rows, [{}] + depth_refs):
        line = (f'| {config} | {name} | {m["params"] / 1e6:.2f} | '
                f'{m["flops"] / 1e9:.1f} | {m["fwd"]:.0f} | '
                f'{m["fwd"] / ref["fwd"]:.2f} | {m["fwd_bwd"]:.0f} | '
                f'{m["fwd_bwd"] / ref["fwd_bwd"]:.2f} |')
        if args.depth_reference:
            line += ''.join(
                f' {m[k] / depth_ref[k]:.2f} |' if depth_ref else ' - |'
                for k in ('fwd', 'fwd_bwd'))
        print(line)


if __name__ == '__main__':
    main()
