"""Cut the annotated objects of a COCO-format detection set into an
ImageNet-layout classification set, for pretraining a backbone.

Reads ``DATA_ROOT/annotations/instances_<split>.json`` with images in
``DATA_ROOT/<split>/`` (the layout of ``tools/misc/generate_custom27.py``)
and writes ``OUT_DIR/<split>/<category name>/<annotation id>.png``: each box
widened by ``--context`` of its size on every side, squared, clipped to the
image and resized to ``--size`` pixels.

Example:
    python tools/misc/generate_custom27.py --out-dir data/custom27
    python tools/dataset_converters/coco_crops.py data/custom27 \
        data/custom27_crops
"""
import argparse
import json
import os
import os.path as osp

import cv2
import mmcv
from mmengine.utils import ProgressBar


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='COCO-format boxes -> ImageNet-layout object crops')
    parser.add_argument(
        'data_root',
        help='folder with annotations/ and '
        'one image folder per split')
    parser.add_argument('out_dir', help='where <split>/<class>/ go')
    parser.add_argument(
        '--splits', nargs='+', default=['train', 'val'], help='splits')
    parser.add_argument(
        '--size', type=int, default=64, help='side of the written crops')
    parser.add_argument(
        '--context',
        type=float,
        default=0.25,
        help='margin around each box, as a fraction of its size')
    parser.add_argument(
        '--min-size',
        type=float,
        default=4,
        help='skip boxes whose shorter side is below this many pixels')
    return parser.parse_args()


def crop_box(box, context: float, height: int, width: int):
    """Square crop ``(x0, y0, x1, y1)`` around a COCO ``[x, y, w, h]`` box
    with ``context`` margin, clipped to the image."""
    x, y, w, h = box
    side = max(w, h) * (1 + 2 * context)
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = max(int(cx - side / 2), 0), max(int(cy - side / 2), 0)
    x1 = min(int(round(cx + side / 2)), width)
    y1 = min(int(round(cy + side / 2)), height)
    return x0, y0, x1, y1


def convert_split(args: argparse.Namespace, split: str) -> int:
    """Write the crops of one split; returns how many were written."""
    ann_file = osp.join(args.data_root, 'annotations',
                        f'instances_{split}.json')
    if not osp.isfile(ann_file):
        raise SystemExit(f'{ann_file} does not exist: expected '
                         'annotations/instances_<split>.json under '
                         f'{args.data_root}')
    with open(ann_file) as f:
        coco = json.load(f)
    names = {c['id']: c['name'] for c in coco['categories']}
    for name in names.values():
        os.makedirs(osp.join(args.out_dir, split, name), exist_ok=True)
    anns_of = {}
    for ann in coco['annotations']:
        anns_of.setdefault(ann['image_id'], []).append(ann)
    written = 0
    progress = ProgressBar(len(coco['images']))
    for image in coco['images']:
        img_path = osp.join(args.data_root, split, image['file_name'])
        img = cv2.imread(img_path)
        if img is None:
            raise SystemExit(f'cannot read {img_path}')
        height, width = img.shape[:2]
        for ann in anns_of.get(image['id'], []):
            if min(ann['bbox'][2:]) < args.min_size:
                continue
            x0, y0, x1, y1 = crop_box(ann['bbox'], args.context, height, width)
            crop = mmcv.imresize(img[y0:y1, x0:x1], (args.size, args.size))
            cv2.imwrite(
                osp.join(args.out_dir, split, names[ann['category_id']],
                         f'{ann["id"]:08d}.png'), crop)
            written += 1
        progress.update()
    return written


def main() -> None:
    args = parse_args()
    for split in args.splits:
        count = convert_split(args, split)
        print(f'\n{split}: {count} crops in {osp.join(args.out_dir, split)}')


if __name__ == '__main__':
    main()
