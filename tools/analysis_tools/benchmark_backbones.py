"""Compare the backbones of detector configs with the plain ResNet of
matching depth.

For each config (by default every ``configs/faster_rcnn_*.py`` but the
``*_custom27.py`` and ``*_trees.py`` twins, sorted) it builds
``cfg.model.backbone`` (after the config's ``custom_imports``) and
reports:

- its parameters;
- its FLOPs at ``1 x 3 x --flops-size`` (800 x 1333 by default; MMEngine's
  FlopAnalyzer, which counts one multiply-add as one FLOP);
- its forward time (eval mode, no grad) and forward+backward time (train
  mode, backward of the sum of the outputs) at ``--batch x 3 x --size``
  (2 x 3 x 512 x 512 by default), medians of ``--repeats`` runs after
  ``--warmup`` runs (``torch.cuda.synchronize`` around each on CUDA);
- the peak memory one forward+backward adds at that shape (see
  :func:`mmdet_attn.analysis.benchmark.peak_memory_mib`): exact allocated
  tensor memory on CUDA, on CPU an approximation by the peak increase of
  the process's resident set size, sampled every millisecond;
- the forward+backward time with channels_last (model and input) in
  float32; with ``--device cuda`` also with AMP (float16 autocast); with
  ``--compile`` also of ``torch.compile`` (default inductor backend) of the
  backbone and of its reference (the compilation happens in the warm-up,
  at least one; it takes minutes per backbone on a CPU).

Each time and the memory are also given as a ratio to the backbone's
reference, a plain MMDetection ``ResNet`` measured in the same run with
the backbone's own trunk settings (``TRUNK_KEYS``, read from the built
backbone, so class defaults count; ``ResNet``'s defaults for those it
lacks): of the backbone's ``depth`` for the ResNet
family (AttentionResNet, GatedECAResNet, ResNet), of depth 50 for backbones
without a depth (ResidualAttentionNet, CSPMirrorNet), which are
ResNet-50-sized: Attention-56 and -92 share ResNet-50's stem, bottleneck
units (expansion 4) and stage output channels (256-2048), and CSPMirrorNet53
has about ResNet-50's parameters (24.5 M against 23.5 M). Reference rows are
in the table (ratio 1.00). Each backbone is timed interleaved with its
own instance of its reference (reference, backbone, reference, ... in
each repeat), so that a drift in machine load hits both and leaves the
time ratio alone; a reference row gives the median of the reference's
times over the backbones it was paired with. Configs whose backbones are
identical are measured once; every config gets its row. A config whose
backbone is the reference itself (``faster_rcnn_r50.py``) therefore shows
the run's noise in its ratios.

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
    python tools/analysis_tools/benchmark_backbones.py --compile \
        configs/faster_rcnn_r50.py configs/faster_rcnn_cbam_r50.py
"""
import argparse
import os
import statistics
from collections import defaultdict
from contextlib import nullcontext
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from matplotlib.figure import Figure
from mmdet.registry import MODELS
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmengine.utils import import_modules_from_strings

from mmdet_attn.analysis.benchmark import (add_benchmark_arguments,
                                           check_benchmark_args,
                                           coco_faster_rcnn_configs, cpu_name,
                                           map_large_allocations, median_times,
                                           peak_memory_mib)
from mmdet_attn.analysis.model_zoo import (TRUNK_KEYS, backbone_name,
                                           reference_cfg)

REPO_ROOT = Path(__file__).resolve().parents[2]
# glibc's largest mmap threshold on 64-bit, where its default settles.
LARGEST_HEAP_BLOCK = 32 * 2**20
# Forward+backward columns beyond float32 contiguous: (key, column title).
CHANNELS_LAST = ('channels_last', 'channels_last fwd+bwd')
AMP = ('amp', 'AMP fwd+bwd')  # CUDA only
COMPILED = ('compiled', 'Compiled fwd+bwd')  # with --compile


class Row(NamedTuple):
    """One table row: a config (or a reference) and its measurements."""
    config: str
    backbone: str
    reference: str  # key of the reference's measurements
    key: str  # key of this row's measurements


def default_configs() -> List[str]:
    """The configs measured without arguments (the twins and the other
    detectors repeat these backbones)."""
    return coco_faster_rcnn_configs(REPO_ROOT / 'configs')


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_benchmark_arguments(
        parser, 'work_dirs/benchmark_backbones', size=512, repeats=5, warmup=2)
    parser.add_argument(
        '--flops-size',
        type=int,
        nargs=2,
        default=[800, 1333],
        metavar=('H', 'W'))
    parser.add_argument(
        '--compile',
        action='store_true',
        help='add a column of torch.compile\'d forward+backward times')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch.set_num_threads (CPU); default: torch\'s choice')
    args = parser.parse_args()
    check_benchmark_args(parser, args, REPO_ROOT / 'configs')
    if args.compile and args.warmup < 1:
        parser.error('--compile needs --warmup >= 1 (the compilation runs '
                     'in the first warm-up)')
    return args


def load_backbone_cfg(config: str,
                      cfg_options: Optional[dict] = None) -> ConfigDict:
    """``model.backbone`` of ``config`` (with ``cfg_options`` merged), with
    its ``custom_imports`` done and its default scope set, ready for
    ``MODELS.build``."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    return cfg.model.backbone


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


def measure_size(model: nn.Module, args: argparse.Namespace,
                 device: torch.device) -> Dict[str, float]:
    """``params`` and ``flops`` (at ``--flops-size``, eval mode) of a
    backbone, moved to ``device``."""
    model = model.to(device)
    model.eval()
    return dict(
        params=sum(p.numel() for p in model.parameters()),
        flops=get_model_complexity_info(
            model,
            input_shape=(3, *args.flops_size),
            show_table=False,
            show_arch=False)['flops'])


def forward(model: nn.Module, inputs: torch.Tensor) -> Callable[[], None]:
    """One forward pass without gradients, as a callable to time."""

    def run() -> None:
        with torch.no_grad():
            model(inputs)

    return run


def train_step(model: nn.Module,
               inputs: torch.Tensor,
               amp: bool = False) -> Callable[[], None]:
    """One forward+backward (backward of the sum of the outputs, float16
    autocast when ``amp``), gradients freed after it, as a callable."""

    def run() -> None:
        with (torch.autocast('cuda', dtype=torch.float16)
              if amp else nullcontext()):
            outs = model(inputs)
        sum(out.float().sum() for out in outs).backward()
        model.zero_grad(set_to_none=True)

    return run


def time_pair(reference: nn.Module, backbone: nn.Module,
              args: argparse.Namespace,
              device: torch.device) -> Dict[str, Tuple[float, float]]:
    """Time a backbone interleaved with its reference.

    Each repeat runs the reference once, then the backbone once (see
    :func:`mmdet_attn.analysis.benchmark.median_times`), so the two medians
    see the same machine load and their ratio does not drift with it.

    Args:
        reference (nn.Module): The plain ResNet, on ``device``.
        backbone (nn.Module): The backbone, on ``device``.
        args (argparse.Namespace): The command-line options.
        device (torch.device): Where to run.

    Returns:
        dict[str, tuple[float, float]]: ``(reference ms, backbone ms)``
        medians for ``fwd`` (eval mode), ``fwd_bwd`` and ``channels_last``
        (train mode), on CUDA ``amp`` and with ``--compile`` ``compiled``
        (forward+backward).
    """
    models = (reference, backbone)
    x = torch.rand(args.batch, 3, *args.size, device=device)

    def medians(steps: List[Callable[[], None]]) -> Tuple[float, float]:
        ref_ms, ms = median_times(steps, args.repeats, args.warmup, device)
        return ref_ms, ms

    for model in models:
        model.eval()
    result = dict(fwd=medians([forward(m, x) for m in models]))
    for model in models:
        model.train()  # MMDetection backbones' train() returns None
    result['fwd_bwd'] = medians([train_step(m, x) for m in models])
    if device.type == 'cuda':
        result['amp'] = medians([train_step(m, x, amp=True) for m in models])
    if args.compile:
        result['compiled'] = medians(
            [train_step(torch.compile(m), x) for m in models])
    for model in models:
        model.to(memory_format=torch.channels_last)
    result['channels_last'] = medians([
        train_step(m, x.to(memory_format=torch.channels_last)) for m in models
    ])
    for model in models:
        model.to(memory_format=torch.contiguous_format)
    return result


def format_table(rows: Sequence[Row], measured: Dict[str, Dict[str, float]],
                 timed: Dict[str, Dict[str, Tuple[float, float]]],
                 names: Dict[str, str]) -> List[str]:
    """The Markdown table, one line per row.

    ``measured`` holds each model's ``params``, ``flops`` and ``memory``;
    ``timed`` each row key's ``(reference ms, ms)`` per time column (see
    :func:`time_pair`); the optional columns are those it has.
    """
    columns = [('fwd', 'Fwd'), ('fwd_bwd', 'Fwd+bwd'), ('memory', 'Peak')]
    columns += [
        c for c in (CHANNELS_LAST, AMP, COMPILED) if c[0] in timed[rows[0].key]
    ]
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
        m = measured[row.key]
        cells = [
            row.config, row.backbone, names[row.reference],
            f'{m["params"] / 1e6:.2f}', f'{m["flops"] / 1e9:.1f}'
        ]
        for key, _ in columns:
            if key == 'memory':
                value, ref = m[key], measured[row.reference][key]
                cells.append(f'{value:.0f}')
            else:
                ref, value = timed[row.key][key]
                cells.append(f'{value:.1f}')
            cells.append(f'{value / ref:.2f}' if ref > 0 else '-')
        lines.append('| ' + ' | '.join(cells) + ' |')
    return lines


def plot(rows: Sequence[Row], measured: Dict[str, Dict[str, float]],
         timed: Dict[str, Dict[str, Tuple[float, float]]],
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
    ratios = [timed[k]['fwd_bwd'][1] / timed[k]['fwd_bwd'][0] for k in keys]
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
    # Memory first, in a fresh process: CPU resident memory follows the
    # tensors alive only when large blocks are mapped from the start (see
    # map_large_allocations); after the timings it would depend on them.
    if device.type == 'cpu':
        map_large_allocations()
    built: Dict[str, ConfigDict] = {}
    ref_cfgs: Dict[str, ConfigDict] = {}
    pairs: Dict[str, str] = {}  # backbone key -> its reference's key
    rows: List[Row] = []
    for config in args.configs:
        backbone_cfg = load_backbone_cfg(config, args.cfg_options)
        ref_cfg = reference_cfg(MODELS.build(backbone_cfg))
        ref_key, key = repr(ref_cfg), repr(backbone_cfg)
        ref_cfgs[ref_key] = built[ref_key] = ref_cfg
        built[key] = backbone_cfg
        pairs[key] = ref_key
        rows.append(Row(config, backbone_name(backbone_cfg), ref_key, key))
    measured = {
        key: dict(memory=measure_memory(MODELS.build(cfg), args, device))
        for key, cfg in built.items()
    }
    # The timings with large blocks kept on the heap, glibc's steady state
    # (mapping each one costs a page fault per allocation: 2x slower here).
    if device.type == 'cpu':
        map_large_allocations(LARGEST_HEAP_BLOCK)
    timed: Dict[str, Dict[str, Tuple[float, float]]] = {}
    references = {key: MODELS.build(cfg) for key, cfg in ref_cfgs.items()}
    for key, ref_key in pairs.items():
        backbone = MODELS.build(built[key])
        measured[key].update(measure_size(backbone, args, device))
        timed[key] = time_pair(references[ref_key], backbone, args, device)
    for ref_key in ref_cfgs.keys() - pairs.keys():
        measured[ref_key].update(
            measure_size(references[ref_key], args, device))
    references.clear()
    # A reference row's times: the medians of the reference's own times
    # over the pairs it was timed in (its ratio is 1 by definition).
    for ref_key in ref_cfgs:
        ref_pairs = [timed[key] for key in pairs if pairs[key] == ref_key]
        timed[ref_key] = {
            column: (statistics.median(p[column][0] for p in ref_pairs), ) * 2
            for column in ref_pairs[0]
        }
    names = reference_names(ref_cfgs)
    ref_rows = [
        Row(f'{names[k]} (reference)', backbone_name(cfg), k, k)
        for k, cfg in sorted(
            ref_cfgs.items(), key=lambda kv: (kv[1].depth, names[kv[0]]))
    ]
    cuda = device.type == 'cuda'
    hardware = f'{cpu_name()}, {torch.get_num_threads()} threads'
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
        'plain ResNet named in Reference, measured in this run: times to '
        'its instance timed in turn with the backbone (its row gives the '
        'median over those pairings), memory to its row')
    table = format_table(ref_rows + rows, measured, timed, names)
    (out_dir / 'benchmark.md').write_text('\n'.join([header, '', *table]) +
                                          '\n')
    plot(ref_rows + rows, measured, timed, names, out_dir / 'benchmark.png')
    print('\n'.join([header, '', *table]))
    print(f'\nWritten: {out_dir / "benchmark.md"}, '
          f'{out_dir / "benchmark.png"}')


if __name__ == '__main__':
    main()
