"""Compare the backbones of detector configs with the plain ResNet of
matching depth.

For each config (by default every ``configs/*.py`` but the ``*_custom27.py``
twins, sorted) it builds ``cfg.model.backbone`` (after the config's
``custom_imports``) and reports:

- its parameters;
- its FLOPs at ``1 x 3 x --flops-size`` (800 x 1333 by default; MMEngine's
  FlopAnalyzer, which counts one multiply-add as one FLOP);
- its forward time (eval mode, no grad) and forward+backward time (train
  mode, backward of the sum of the outputs) at ``--batch x 3 x --size``
  (2 x 3 x 512 x 512 by default), medians of ``--repeats`` runs after
  ``--warmup`` runs (``torch.cuda.synchronize`` around each on CUDA);
- the peak memory one forward+backward adds at that shape (see
  :func:`mmdet_attn.utils.benchmark.peak_memory_mib`): exact allocated
  tensor memory on CUDA, on CPU an approximation by the peak increase of
  the process's resident set size, sampled every millisecond;
- with ``--device cuda``, also the forward+backward time with AMP
  (float16 autocast) and with channels_last (model and input) in float32.

Each time and the memory are also given as a ratio to the backbone's
reference, a plain MMDetection ``ResNet`` measured in the same run with
the backbone's own ``norm_eval``/``frozen_stages``/``with_cp``/``norm_cfg``/
``style`` (read from the built backbone, so class defaults count; ``ResNet``'s
defaults for those it lacks): of the backbone's ``depth`` for the ResNet
family (AttentionResNet, GatedECAResNet, ResNet), of depth 50 for backbones
without a depth (ResidualAttentionNet, CSPMirrorNet), which are
ResNet-50-sized: Attention-56 and -92 share ResNet-50's stem, bottleneck
units (expansion 4) and stage output channels (256-2048), and CSPMirrorNet53
has about ResNet-50's parameters (24.5 M against 23.5 M). Reference rows are
in the table (ratio 1.00). Configs whose backbones are identical are
measured once; every config gets its row.

It writes ``benchmark.md`` (a line with the set-up, then the Markdown table,
also printed) and ``benchmark.png`` (forward+backward ratio and parameters,
one bar per measured backbone) to ``--out-dir``.

Papers: those of the backbones measured (see each backbone's docstring);
ResNet, He et al. CVPR 2016.

Example:
    python tools/analysis_tools/benchmark_backbones.py --repeats 3
    python tools/analysis_tools/benchmark_backbones.py \
        configs/faster_rcnn_r50.py configs/faster_rcnn_se_r50.py
    python tools/analysis_tools/benchmark_backbones.py --device cuda \
        --repeats 20
"""
import argparse
import inspect
import os
import platform
from collections import defaultdict
from contextlib import nullcontext
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Sequence

import torch
import torch.nn as nn
from matplotlib.figure import Figure
from mmdet.models.backbones import ResNet
from mmdet.registry import MODELS
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmengine.utils import import_modules_from_strings

from mmdet_attn.utils.benchmark import (map_large_allocations, median_times,
                                        peak_memory_mib)
from mmdet_attn.utils.model_zoo import backbone_name, reference_depth

REPO_ROOT = Path(__file__).resolve().parents[2]
# Trunk settings a plain ResNet reference copies from a backbone.
TRUNK_KEYS = ('norm_eval', 'frozen_stages', 'with_cp', 'norm_cfg', 'style')
# Forward+backward columns added on CUDA: (key, column title).
CUDA_SETTINGS = (('amp', 'AMP fwd+bwd'), ('channels_last',
                                          'channels_last fwd+bwd'))


class Row(NamedTuple):
    """One table row: a config (or a reference) and its measurements."""
    config: str
    backbone: str
    reference: str  # key of the reference's measurements
    key: str  # key of this row's measurements


def default_configs() -> List[str]:
    """Every detector config in ``configs/`` but the ``_custom27`` twins,
    sorted, as paths relative to the working directory."""
    return sorted(
        os.path.relpath(path) for path in (REPO_ROOT / 'configs').glob('*.py')
        if not path.stem.endswith('_custom27'))


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'configs',
        nargs='*',
        help='detector configs; default: configs/*.py but *_custom27.py')
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
        '--out-dir',
        default='work_dirs/benchmark_backbones',
        help='where benchmark.md and benchmark.png are written')
    args = parser.parse_args()
    if args.repeats < 1 or args.warmup < 0 or args.batch < 1:
        parser.error('need --repeats >= 1, --warmup >= 0 and --batch >= 1')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error(f'--device cuda: CUDA is not available to torch '
                     f'{torch.__version__}')
    args.configs = args.configs or default_configs()
    for config in args.configs:
        if not Path(config).is_file():
            parser.error(f'config not found: {config}')
    return args


def load_backbone_cfg(config: str) -> ConfigDict:
    """``model.backbone`` of ``config``, with its ``custom_imports`` done and
    its default scope set, ready for ``MODELS.build``."""
    cfg = Config.fromfile(config)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    return cfg.model.backbone


def reference_cfg(backbone: nn.Module) -> ConfigDict:
    """The plain ``ResNet`` a backbone is compared with: of its depth
    (ResNet-50 without one), with its trunk settings and ``ResNet``'s
    defaults for those it lacks, so that equal references are equal
    configs."""
    defaults = inspect.signature(ResNet).parameters
    return ConfigDict(
        type='ResNet',
        depth=reference_depth(backbone),
        **{k: getattr(backbone, k, defaults[k].default)
           for k in TRUNK_KEYS})


def reference_names(cfgs: Dict[str, ConfigDict]) -> Dict[str, str]:
    """``ResNet-<depth>`` for each reference; where references share a
    depth, the trunk settings in which they differ follow."""
    by_depth: Dict[int, List[ConfigDict]] = defaultdict(list)
    for cfg in cfgs.values():
        by_depth[cfg.depth].append(cfg)
    names = {}
    for key, cfg in cfgs.items():
        differing = [
            k for k in TRUNK_KEYS
            if len({repr(other.get(k))
                    for other in by_depth[cfg.depth]}) > 1
        ]
        names[key] = f'ResNet-{cfg.depth}'
        if differing:
            names[key] += ' (' + ', '.join(f'{k}={cfg.get(k)}'
                                           for k in differing) + ')'
    return names


def measure(model: nn.Module, args: argparse.Namespace,
            device: torch.device) -> Dict[str, float]:
    """Measure one backbone.

    Args:
        model (nn.Module): The backbone; moved to ``device`` (and, on CUDA,
            left in channels_last).
        args (argparse.Namespace): The command-line options.
        device (torch.device): Where to run.

    Returns:
        dict[str, float]: ``params``, ``flops``, the medians ``fwd`` and
        ``fwd_bwd`` in ms and, on CUDA, ``amp`` and ``channels_last``
        (forward+backward medians in ms); :func:`measure_memory` adds
        ``memory``.
    """
    model = model.to(device)
    result = dict(params=sum(p.numel() for p in model.parameters()))
    model.eval()
    result['flops'] = get_model_complexity_info(
        model,
        input_shape=(3, *args.flops_size),
        show_table=False,
        show_arch=False)['flops']
    x = torch.rand(args.batch, 3, *args.size, device=device)

    def forward() -> None:
        with torch.no_grad():
            model(x)

    def forward_backward(inputs: torch.Tensor, amp: bool = False) -> None:
        with (torch.autocast('cuda', dtype=torch.float16)
              if amp else nullcontext()):
            outs = model(inputs)
        sum(out.float().sum() for out in outs).backward()

    def train_step(inputs: torch.Tensor,
                   amp: bool = False) -> Callable[[], None]:

        def step() -> None:
            forward_backward(inputs, amp)
            model.zero_grad(set_to_none=True)

        return step

    def median(fn: Callable[[], None]) -> float:
        return median_times([fn], args.repeats, args.warmup, device)[0]

    result['fwd'] = median(forward)
    model.train()
    result['fwd_bwd'] = median(train_step(x))
    if device.type == 'cuda':
        result['amp'] = median(train_step(x, amp=True))
        model.to(memory_format=torch.channels_last)
        result['channels_last'] = median(
            train_step(x.to(memory_format=torch.channels_last)))
    return result


def format_table(rows: Sequence[Row], measured: Dict[str, Dict[str, float]],
                 names: Dict[str, str], cuda: bool) -> List[str]:
    """The Markdown table, one line per row."""
    columns = [('fwd', 'Fwd'), ('fwd_bwd', 'Fwd+bwd'), ('memory', 'Peak')]
    columns += list(CUDA_SETTINGS) * cuda
    head = ['Config', 'Backbone', 'Reference', 'Params (M)', 'FLOPs (G)']
    for key, title in columns:
        head += [
            f'{title} MiB' if key == 'memory' else f'{title} ms',
            f'{title} / ref'
        ]
    lines = [
        '| ' + ' | '.join(head) + ' |',
        '|---|---|---|' + '---:|' * (len(head) - 3)
    ]
    for row in rows:
        m, ref = measured[row.key], measured[row.reference]
        cells = [
            row.config, row.backbone, names[row.reference],
            f'{m["params"] / 1e6:.2f}', f'{m["flops"] / 1e9:.1f}'
        ]
        for key, _ in columns:
            cells += [
                f'{m[key]:.0f}' if key == 'memory' else f'{m[key]:.1f}',
                f'{m[key] / ref[key]:.2f}' if ref[key] > 0 else '-'
            ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return lines


def plot(rows: Sequence[Row], measured: Dict[str, Dict[str, float]],
         names: Dict[str, str], path: Path) -> None:
    """Forward+backward ratio to the reference and parameters, one bar per
    measured backbone (labelled by its configs and its reference), saved as
    a PNG."""
    labels: Dict[str, List[str]] = {}
    for row in rows:
        labels.setdefault(row.key, []).append(
            row.config if row.key == row.reference else Path(row.config).stem)
    keys = list(labels)
    refs = {row.key: row.reference for row in rows}
    for key in keys:
        if refs[key] != key:
            labels[key][-1] += f' (vs {names[refs[key]]})'
    ratios = [
        measured[k]['fwd_bwd'] / measured[refs[k]]['fwd_bwd'] for k in keys
    ]
    params = [measured[k]['params'] / 1e6 for k in keys]
    colors = ['tab:gray' if refs[k] == k else 'tab:blue' for k in keys]
    lines = sum(len(labels[k]) for k in keys)
    fig = Figure(
        figsize=(12, 1.5 + 0.3 * lines + 0.2 * len(keys)),
        layout='constrained')
    ax_ratio, ax_params = fig.subplots(1, 2, sharey=True)
    y = range(len(keys))
    ax_ratio.bar_label(
        ax_ratio.barh(y, ratios, color=colors), fmt='%.2f', padding=2)
    ax_ratio.axvline(1.0, color='black', linestyle='--', linewidth=1)
    ax_ratio.set_title('forward+backward time / matching plain ResNet')
    ax_ratio.set_yticks(list(y), ['\n'.join(labels[k]) for k in keys])
    ax_ratio.invert_yaxis()
    ax_params.bar_label(
        ax_params.barh(y, params, color=colors), fmt='%.1f', padding=2)
    ax_params.set_title('parameters (M)')
    fig.suptitle('Backbones (gray: the plain ResNet references)')
    for ax in (ax_ratio, ax_params):
        ax.margins(x=0.15)
    fig.savefig(path, dpi=100)


def measure_memory(model: nn.Module, args: argparse.Namespace,
                   device: torch.device) -> float:
    """Peak memory (MiB) of one forward+backward in train mode, after one
    untimed to leave out one-off allocations; the gradients are freed after
    it, so they count."""
    model = model.to(device)
    model.train()  # MMDetection backbones' train() returns None
    x = torch.rand(args.batch, 3, *args.size, device=device)

    def forward_backward() -> None:
        sum(out.sum() for out in model(x)).backward()

    forward_backward()
    model.zero_grad(set_to_none=True)
    return peak_memory_mib(forward_backward, device)


def main() -> None:
    """Measure each config's backbone and its reference; write the table
    and the chart."""
    args = parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    # Untrained backbones in eval mode (fresh BN statistics) can produce
    # denormal floats, which slow CPU kernels by orders of magnitude.
    torch.set_flush_denormal(True)
    torch.manual_seed(0)
    load = os.getloadavg()[0]
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    measured: Dict[str, Dict[str, float]] = {}
    built: Dict[str, ConfigDict] = {}
    ref_cfgs: Dict[str, ConfigDict] = {}
    rows: List[Row] = []
    for config in args.configs:
        backbone_cfg = load_backbone_cfg(config)
        backbone = MODELS.build(backbone_cfg)
        ref_cfg = reference_cfg(backbone)
        ref_key, key = repr(ref_cfg), repr(backbone_cfg)
        if ref_key not in measured:
            ref_cfgs[ref_key] = built[ref_key] = ref_cfg
            measured[ref_key] = measure(MODELS.build(ref_cfg), args, device)
        if key not in measured:
            built[key] = backbone_cfg
            measured[key] = measure(backbone, args, device)
        rows.append(Row(config, backbone_name(backbone_cfg), ref_key, key))
    # Memory after all the timings: the allocator setting that makes CPU
    # resident memory follow the tensors alive costs a page fault per large
    # allocation, which would slow the timed runs (2x here).
    if device.type == 'cpu':
        map_large_allocations()
    for key, cfg in built.items():
        measured[key]['memory'] = measure_memory(
            MODELS.build(cfg), args, device)
    names = reference_names(ref_cfgs)
    ref_rows = [
        Row(f'{names[k]} (reference)', backbone_name(cfg), k, k)
        for k, cfg in sorted(
            ref_cfgs.items(), key=lambda kv: (kv[1].depth, names[kv[0]]))
    ]
    cuda = device.type == 'cuda'
    hardware = (f'{platform.processor() or platform.machine()}, '
                f'{torch.get_num_threads()} threads')
    if cuda:
        hardware += f', {torch.cuda.get_device_name(device)}'
    memory_method = ('max_memory_allocated'
                     if cuda else 'peak RSS increase, approximate')
    header = (
        f'torch {torch.__version__}, device {device} ({hardware}), load '
        f'average {load:.2f} at start; FLOPs (multiply-adds) at '
        f'1x3x{args.flops_size[0]}x{args.flops_size[1]}; times and peak '
        f'memory at {args.batch}x3x{args.size[0]}x{args.size[1]}, times '
        f'median of {args.repeats} after {args.warmup} warm-up; peak memory '
        f'of one forward+backward ({memory_method}); "/ ref": ratio to the '
        'Reference row, a plain ResNet measured in this run')
    table = format_table(ref_rows + rows, measured, names, cuda)
    (out_dir / 'benchmark.md').write_text('\n'.join([header, '', *table]) +
                                          '\n')
    plot(ref_rows + rows, measured, names, out_dir / 'benchmark.png')
    print('\n'.join([header, '', *table]))
    print(f'\nWritten: {out_dir / "benchmark.md"}, '
          f'{out_dir / "benchmark.png"}')


if __name__ == '__main__':
    main()
