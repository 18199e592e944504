"""What one training step of a whole detector costs, against its plain twin.

For each config (by default every Faster R-CNN COCO config, the dataset
twins aside) it builds the detector (random weights, nothing downloaded)
and its plain twin, the same detector with the backbone replaced by the
plain ResNet it is compared with in ``benchmark_backbones.py`` (same depth
and trunk settings), its neck taking that ResNet's stage widths. It times
one training step (losses, backward, an SGD step) on ``--batch`` images of
``--size`` with three boxes each, the two detectors in turn in each repeat
(median of ``--repeats``), and the peak memory of a step, then writes
``train_step.md`` to ``--out-dir``.

Example:
    python tools/analysis_tools/benchmark_train_step.py --repeats 3
    python tools/analysis_tools/benchmark_train_step.py \
        configs/faster_rcnn_cbam_r50.py --size 512 512 --device cuda
"""
import argparse
import os
from pathlib import Path
from typing import Callable, List, Tuple

import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmengine.utils import import_modules_from_strings

from mmdet_attn.analysis.benchmark import (add_benchmark_arguments,
                                           check_benchmark_args, cpu_name,
                                           map_large_allocations, median_times,
                                           peak_memory_mib)
from mmdet_attn.analysis.model_zoo import backbone_name, reference_cfg

REPO_ROOT = Path(__file__).resolve().parents[2]


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_benchmark_arguments(
        parser,
        'work_dirs/benchmark_train_step',
        size=512,
        repeats=3,
        warmup=1)
    args = parser.parse_args()
    check_benchmark_args(parser, args, REPO_ROOT / 'configs')
    return args


def detector_cfgs(config: str, cfg_options: dict) -> Tuple[ConfigDict, ...]:
    """The detector of ``config`` and its plain twin, without weights."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    model = cfg.model
    model.backbone.init_cfg = None
    twin = model.deepcopy()
    twin.backbone = reference_cfg(MODELS.build(model.backbone))
    if 'in_channels' in twin.get('neck', {}):
        # The neck takes the ResNet's stage widths (CSPMirrorNet53's are
        # half of ResNet-50's).
        resnet = MODELS.build(twin.backbone)
        twin.neck.in_channels = [
            resnet.block.expansion * resnet.base_channels * 2**i
            for i in resnet.out_indices
        ]
    return model, twin


def train_step(model: nn.Module, data: dict) -> Callable[[], None]:
    """One training step of ``model`` on ``data`` (losses, backward, SGD
    step, gradients freed), as a callable."""
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-5)

    def run() -> None:
        losses = model.loss(data['inputs'], data['data_samples'])
        loss, _ = model.parse_losses(losses)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return run


def build(cfg: ConfigDict, args: argparse.Namespace,
          device: torch.device) -> Tuple[nn.Module, dict]:
    """A detector in train mode on ``device`` and a batch for it."""
    torch.manual_seed(0)
    model = MODELS.build(cfg).to(device)
    model.train()
    packed = demo_mm_inputs(
        args.batch, [(3, *args.size)] * args.batch,
        num_items=[3] * args.batch,
        num_classes=2,
        with_mask='mask_head' in cfg.get('roi_head', {}),
        device=str(device))
    return model, model.data_preprocessor(packed, True)


def main() -> None:
    """Measure each config's detector and its twin; write the table."""
    args = parse_args()
    device = torch.device(args.device)
    torch.set_flush_denormal(True)
    load = os.getloadavg()[0]
    if device.type == 'cpu':
        map_large_allocations()
    lines: List[str] = []
    for config in args.configs:
        model_cfg, twin_cfg = detector_cfgs(config, args.cfg_options)
        memory = []
        for cfg in (twin_cfg, model_cfg):
            model, data = build(cfg, args, device)
            step = train_step(model, data)
            step()
            memory.append(peak_memory_mib(step, device))
            del model, data, step
        steps = [
            train_step(*build(c, args, device)) for c in (twin_cfg, model_cfg)
        ]
        twin_ms, ms = median_times(steps, args.repeats, args.warmup, device)
        del steps
        line = (f'| {Path(config).name} | {backbone_name(model_cfg.backbone)}'
                f' | {ms:.0f} | {twin_ms:.0f} | {ms / twin_ms:.2f} | '
                f'{memory[1]:.0f} | {memory[0]:.0f} | '
                f'{memory[1] / memory[0]:.2f} |')
        print(line, flush=True)
        lines.append(line)
    hardware = f'{cpu_name()}, {torch.get_num_threads()} threads'
    if device.type == 'cuda':
        hardware += f', {torch.cuda.get_device_name(device)}'
    header = (
        f'torch {torch.__version__}, device {device} ({hardware}), load '
        f'average {load:.2f} at start; one training step (losses, backward, '
        f'SGD step) of batch {args.batch} at {args.size[0]}x{args.size[1]}, '
        f'3 boxes an image; times median of {args.repeats} after '
        f'{args.warmup} warm-up, the detector and its plain twin (the same '
        'detector with the plain ResNet of benchmark_backbones.py as its '
        'backbone) in turn; peak memory of one step '
        f'({"max_memory_allocated" if device.type == "cuda" else "peak RSS increase, approximate"})'  # noqa: E501
    )
    table = [
        '| config | backbone | step ms | twin ms | / twin | peak MiB | '
        'twin MiB | / twin |', '|---|---|---|---|---|---|---|---|', *lines
    ]
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / 'train_step.md').write_text('\n'.join([header, '', *table]) +
                                           '\n')
    print('\n'.join(['', header, '', *table]))
    print(f'\nWritten: {out_dir / "train_step.md"}')


if __name__ == '__main__':
    main()
