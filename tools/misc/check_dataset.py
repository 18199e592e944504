"""Check a config's dataset before a long run: every image and every box.

Usage, from the repository root::

    python tools/misc/check_dataset.py CONFIG [--split train|val|test]
        [--nproc N] [--cfg-options data_root=/data/mine/ ...]

Builds the split's dataset as the config defines it (so a bad annotation
file fails as it would in training), then reads every image the way
``LoadImageFromFile`` does, in parallel with a progress bar, and reports:

- images that are missing or cannot be decoded;
- images whose size differs from the annotation's ``width`` x ``height``;
- boxes that are empty (width or height under 1 px: the dataset drops them
  silently) or reach outside the image;
- classes without any instance, and the instances and images per class.

Every bad file is listed. Exit code 0 when nothing is wrong, 1 otherwise.
"""
import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from typing import Dict, List, Optional, Tuple

import mmcv
from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS
from mmengine.config import DictAction
from mmengine.fileio import get, get_local_path
from mmengine.registry import init_default_scope
from mmengine.utils import track_parallel_progress, track_progress

from mmdet_attn.utils import load_run_config

SPLITS = ('train', 'val', 'test')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Read every image and box of a dataset split and report '
        'what would break or silently spoil a training run.')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--split',
        choices=SPLITS,
        default='train',
        help='which dataloader\'s dataset to check (default: train)')
    parser.add_argument(
        '--nproc',
        type=int,
        default=min(8,
                    os.cpu_count() or 1),
        help='processes reading images (default: CPU cores, at most 8)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value, as for tools/train.py '
        '(e.g. data_root=/data/mine/)')
    args = parser.parse_args(argv)
    if args.nproc < 1:
        parser.error(f'--nproc must be at least 1, got {args.nproc}')
    return args


def coco_dataset_cfg(dataset: dict, where: str) -> dict:
    """The COCO-format dataset inside ``dataset`` (wrappers unwrapped)."""
    while 'ann_file' not in dataset and isinstance(
            dataset.get('dataset'), dict):
        dataset, where = dataset['dataset'], f'{where}.dataset'
    dataset_type = dataset.get('type')
    cls = DATASETS.get(dataset_type) if isinstance(dataset_type,
                                                   str) else dataset_type
    if cls is None or not issubclass(cls, CocoDataset):
        raise SystemExit(
            f'{where} is a {dataset_type!r}; this tool checks COCO-format '
            'datasets (CocoDataset and its subclasses, such as '
            'StrictCocoDataset).')
    return dataset


def read_image(task: Tuple[str, Optional[dict]]) -> Tuple[str, int, int]:
    """Read and decode one image as ``LoadImageFromFile`` does.

    Returns ``('ok', height, width)``, ``('missing', 0, 0)`` or
    ``('unreadable: <why>', 0, 0)``.
    """
    path, backend_args = task
    try:
        content = get(path, backend_args=backend_args)
    except FileNotFoundError:
        return 'missing', 0, 0
    except OSError as e:
        return f'unreadable: {e}', 0, 0
    try:
        img = mmcv.imfrombytes(content, flag='color', backend='cv2')
    except Exception as e:  # any decoder failure is the finding
        return f'unreadable: {type(e).__name__}: {e}', 0, 0
    if img is None:
        return 'unreadable: the file is not a decodable image', 0, 0
    return 'ok', img.shape[0], img.shape[1]


def box_problem(bbox: List[float], width: int, height: int) -> Optional[str]:
    """What is wrong with a COCO ``[x, y, w, h]`` box in a ``width`` x
    ``height`` image, or None."""
    x, y, w, h = bbox
    if w < 1 or h < 1:
        return (f'empty box {bbox} (width or height under 1 px; the dataset '
                'drops it)')
    if x < 0 or y < 0 or x + w > width or y + h > height:
        return f'box {bbox} reaches outside the {width}x{height} image'
    return None


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    cfg = load_run_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    loader = f'{args.split}_dataloader'
    if not cfg.get(loader):
        raise SystemExit(f'{args.config} has no {loader} to check.')
    dataset_cfg = coco_dataset_cfg(cfg[loader].dataset.to_dict(),
                                   f'{loader}.dataset')
    # Every image, annotated or not, and no pipeline: only the records.
    dataset_cfg.update(pipeline=[], filter_cfg=None, lazy_init=False)
    dataset = DATASETS.build(dataset_cfg)
    classes = dataset.metainfo['classes']
    backend_args = dataset_cfg.get('backend_args')

    with get_local_path(dataset.ann_file, backend_args=backend_args) as path:
        with open(path, 'rb') as f:
            coco = json.load(f)
    names = {c['id']: c['name'] for c in coco['categories']}
    anns_of = defaultdict(list)
    for ann in coco['annotations']:
        anns_of[ann['image_id']].append(ann)
    images = {im['id']: im for im in coco['images']}
    records = [dataset.get_data_info(i) for i in range(len(dataset))]

    print(
        f'Checking the {args.split} split of {args.config}\n'
        f'annotation file: {dataset.ann_file}\n'
        f'{len(records)} images, {len(coco["annotations"])} annotations; '
        f'reading the images with {args.nproc} process(es)',
        flush=True)
    tasks = [(r['img_path'], backend_args) for r in records]
    if args.nproc == 1:
        shapes = track_progress(read_image, tasks)
    else:
        shapes = track_parallel_progress(read_image, tasks, args.nproc)

    problems: List[Tuple[str, str]] = []
    instances: Counter = Counter()
    images_with: Dict[str, set] = defaultdict(set)
    for record, (status, height, width) in zip(records, shapes):
        path, image = record['img_path'], images[record['img_id']]
        if status != 'ok':
            problems.append((path, status))
        elif (height, width) != (image['height'], image['width']):
            problems.append(
                (path, f'size {width}x{height} (w x h), the annotation file '
                 f'says {image["width"]}x{image["height"]}'))
        for ann in anns_of[record['img_id']]:
            name = names[ann['category_id']]
            why = box_problem(ann['bbox'], image['width'], image['height'])
            if why:
                problems.append(
                    (path, f'annotation id {ann["id"]} ({name}): {why}'))
            if not ann.get('iscrowd', 0):
                instances[name] += 1
                images_with[name].add(record['img_id'])

    width = max(len('class'), *(len(c) for c in classes))
    print(f'\nInstances per class ({args.split}):\n'
          f'{"label":>5}  {"class":<{width}}  {"instances":>9}  '
          f'{"images":>6}')
    for label, name in enumerate(classes):
        print(f'{label:>5}  {name:<{width}}  {instances[name]:>9}  '
              f'{len(images_with[name]):>6}')
    ignored = sorted(set(names.values()) - set(classes))
    if ignored:
        print(f'Categories of the file that are not classes of the config '
              f'(their {sum(instances[n] for n in ignored)} instances are '
              f'ignored): {ignored}')
    empty = [name for name in classes if not instances[name]]
    if empty:
        problems.append(
            (dataset.ann_file, f'classes without any instance: {empty}'))

    if not problems:
        print(f'\nNo problem found in {len(records)} images.')
        return 0
    files = {path for path, _ in problems}
    print(f'\n{len(problems)} problem(s) in {len(files)} file(s):')
    for path, what in problems:
        print(f'  {path}: {what}')
    return 1


if __name__ == '__main__':
    sys.exit(main())
