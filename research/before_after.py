"""Old code against new: each backbone's forward+backward time under two
checkouts of the package, interleaved.

For each config, the backbone it resolves to here is built by each
checkout's ``mmdet_attn`` in a fresh process (``sys.path`` puts that
checkout first), which times ``--repeats`` forward+backward passes after a
warm-up and prints the median; old and new processes alternate for
``--rounds`` rounds, so machine load drifts hit both. Prints, per config,
the median over rounds of each side and of the per-round ratio new / old,
with its range.

Example:
    git worktree add /tmp/before 37503e5
    python research/before_after.py --old /tmp/before \
        configs/faster_rcnn_eca_r50.py configs/faster_rcnn_cbam_r50.py
"""
import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

from mmengine.config import Config

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Run in each checkout: build the backbone, time it, print the median ms.
MEASURE = '''
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
import torch
import mmdet_attn
from mmdet.registry import MODELS
from mmengine.registry import init_default_scope
assert mmdet_attn.__file__.startswith(sys.argv[1]), mmdet_attn.__file__
torch.set_flush_denormal(True)
init_default_scope('mmdet')
torch.manual_seed(0)
cfg = json.loads(sys.argv[2])
repeats, size = int(sys.argv[3]), int(sys.argv[4])
model = MODELS.build(cfg)
model.train()
x = torch.rand(2, 3, size, size)
times = []
for i in range(repeats + 1):
    start = time.perf_counter()
    sum(o.sum() for o in model(x)).backward()
    model.zero_grad(set_to_none=True)
    if i:
        times.append(time.perf_counter() - start)
print(statistics.median(times) * 1e3)
'''


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='detector configs')
    parser.add_argument(
        '--old', required=True, help='root of the old checkout')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--size', type=int, default=320)
    return parser.parse_args()


def backbone_cfg(config: str) -> dict:
    """``model.backbone`` of ``config`` without its weights."""
    cfg = Config.fromfile(config).model.backbone.to_dict()
    cfg.pop('init_cfg', None)
    return cfg


def measure(root: str, cfg: dict, args: argparse.Namespace) -> float:
    """Median forward+backward ms of ``cfg`` built by ``root``'s package."""
    out = subprocess.run([
        sys.executable, '-c', MEASURE, root,
        json.dumps(cfg),
        str(args.repeats),
        str(args.size)
    ],
                         capture_output=True,
                         text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    args = parse_args()
    roots = {'old': str(Path(args.old).resolve()), 'new': str(REPO_ROOT)}
    print(f'{"config":40s} {"old ms":>8s} {"new ms":>8s} '
          f'{"new/old":>8s} range')
    for config in args.configs:
        cfg = backbone_cfg(config)
        times: Dict[str, List[float]] = {'old': [], 'new': []}
        for _ in range(args.rounds):
            for side, root in roots.items():
                times[side].append(measure(root, cfg, args))
        ratios = [n / o for n, o in zip(times['new'], times['old'])]
        print(
            f'{Path(config).name:40s} '
            f'{statistics.median(times["old"]):8.0f} '
            f'{statistics.median(times["new"]):8.0f} '
            f'{statistics.median(ratios):8.2f} '
            f'[{min(ratios):.2f}, {max(ratios):.2f}]',
            flush=True)


if __name__ == '__main__':
    main()
