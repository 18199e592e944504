"""Generate the synthetic ``custom27`` detection dataset (COCO format).

Usage, from the repository root::

    python tools/misc/generate_custom27.py                 # data/custom27
    python tools/misc/generate_custom27.py --force --seed 1

See :mod:`mmdet_attn.datasets.synthetic_custom27` for how the data is made.
"""
import argparse
import os.path as osp
import sys
import time

from mmdet_attn.datasets.synthetic_custom27 import generate_custom27


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate the synthetic 27-class detection dataset '
        'custom27 (COCO format, seeded, reproducible).')
    parser.add_argument(
        '--out-dir', default='data/custom27', help='output folder')
    parser.add_argument(
        '--num-train', type=int, default=800, help='train images')
    parser.add_argument('--num-val', type=int, default=200, help='val images')
    parser.add_argument(
        '--img-size', type=int, default=192, help='image side in pixels')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--force',
        action='store_true',
        help='regenerate even if the annotation files already exist')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    anns = [
        osp.join(args.out_dir, 'annotations', f'instances_{s}.json')
        for s in ('train', 'val')
    ]
    if all(osp.isfile(a) for a in anns) and not args.force:
        print(f'{args.out_dir} already exists ({", ".join(anns)}); '
              'nothing to do. Pass --force to regenerate it.')
        return 0
    start = time.perf_counter()
    summary = generate_custom27(
        args.out_dir,
        num_train=args.num_train,
        num_val=args.num_val,
        img_size=args.img_size,
        seed=args.seed)
    elapsed = time.perf_counter() - start
    print(f'custom27 written to {args.out_dir} in {elapsed:.1f} s '
          f'(seed {args.seed}, {args.img_size}x{args.img_size}, 27 classes)')
    for split, info in summary['splits'].items():
        counts = info['class_counts'].values()
        print(f'  {split:5s}: {info["num_images"]:5d} images, '
              f'{info["num_instances"]:6d} instances, per class '
              f'{min(counts)}..{max(counts)}, most:rarest = '
              f'{info["most_to_rarest"]:.1f}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
