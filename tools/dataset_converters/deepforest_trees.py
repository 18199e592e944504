"""Write DeepForest's annotated airborne RGB images as a 1-class COCO set of
tree crowns, tiled for detection.

The ``deepforest`` wheel (MIT licence, weecology/DeepForest) ships a few
NEON airborne orthophotos with hand-drawn tree-crown boxes as
``deepforest/data/<name>.png`` + Pascal VOC ``<name>.xml``. This tool fetches
that wheel with ``pip download --no-deps`` (nothing of deepforest is
installed or imported), reads the images and boxes out of it, cuts every
image into ``--tile-size`` squares (as few as cover it, spread evenly from
border to border, so neighbours overlap by less than a tile) and keeps a
box in a tile when at least ``--min-visible`` of its area lies inside,
clipped to the tile. Splits:

- train: ``2019_YELL_2_528000_4978000_image_crop2`` and ``OSBS_029``
- val: ``2019_YELL_2_541000_4977000_image_crop``
- ``SOAP_061`` (and every other image) is left out of both.

It writes ``OUT_DIR/{train,val}/*.png``,
``OUT_DIR/annotations/instances_{train,val}.json`` (one category, ``tree``)
and ``OUT_DIR/source.json`` (the wheel's name and sha256, the settings).

Example:
    python tools/dataset_converters/deepforest_trees.py data/trees
    python tools/dataset_converters/deepforest_trees.py data/trees \\
        --wheel ~/Downloads/deepforest-2.1.0-py3-none-any.whl
"""
import argparse
import hashlib
import json
import math
import os
import os.path as osp
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import cv2
import numpy as np

DEEPFOREST_VERSION = '2.1.0'
SPLITS = {
    'train': ('2019_YELL_2_528000_4978000_image_crop2', 'OSBS_029'),
    'val': ('2019_YELL_2_541000_4977000_image_crop', ),
}
CATEGORY = dict(id=1, name='tree')

Box = Tuple[float, float, float, float]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='DeepForest tree crowns -> tiled 1-class COCO set')
    parser.add_argument(
        'out_dir', help='where train/, val/ and '
        'annotations/ go')
    parser.add_argument(
        '--wheel',
        help='a downloaded deepforest wheel (default: pip download '
        f'deepforest=={DEEPFOREST_VERSION} into --download-dir)')
    parser.add_argument(
        '--download-dir',
        default=osp.join('data', 'downloads'),
        help='where the wheel is downloaded to and reused from')
    parser.add_argument(
        '--tile-size', type=int, default=400, help='side of a tile (px)')
    parser.add_argument(
        '--min-visible',
        type=float,
        default=0.5,
        help='keep a box in a tile when at least this fraction of its '
        'area lies inside the tile')
    args = parser.parse_args()
    if args.tile_size < 32:
        parser.error(f'--tile-size must be >= 32 pixels, got {args.tile_size}')
    if not 0 < args.min_visible <= 1:
        parser.error('--min-visible must be in (0, 1], got '
                     f'{args.min_visible}')
    return args


def download_wheel(download_dir: str) -> Path:
    """The deepforest wheel in ``download_dir``, downloaded once with
    ``pip download --no-deps``."""
    name = f'deepforest-{DEEPFOREST_VERSION}-py3-none-any.whl'
    wheel = Path(download_dir) / name
    if wheel.is_file():
        return wheel
    command = [
        sys.executable, '-m', 'pip', 'download', '--no-deps',
        '--only-binary=:all:', f'deepforest=={DEEPFOREST_VERSION}', '-d',
        download_dir
    ]
    print('Fetching the deepforest wheel:', ' '.join(command), flush=True)
    if subprocess.run(command).returncode != 0 or not wheel.is_file():
        raise SystemExit(
            f'could not download {name} (is the package index reachable?); '
            'download it elsewhere and pass it with --wheel PATH')
    return wheel


def read_voc_boxes(xml_text: bytes) -> List[Box]:
    """The ``(xmin, ymin, xmax, ymax)`` boxes of a Pascal VOC annotation."""
    boxes = []
    for obj in ET.fromstring(xml_text).iter('object'):
        bndbox = obj.find('bndbox')
        boxes.append(
            tuple(
                float(bndbox.find(key).text)
                for key in ('xmin', 'ymin', 'xmax', 'ymax')))
    return boxes


def read_image_and_boxes(wheel: zipfile.ZipFile,
                         name: str) -> Tuple[np.ndarray, List[Box]]:
    """One annotated image of the wheel, as BGR pixels and its boxes."""
    members = set(wheel.namelist())
    paths = [f'deepforest/data/{name}.{ext}' for ext in ('png', 'xml')]
    missing = [p for p in paths if p not in members]
    if missing:
        raise SystemExit(f'{wheel.filename} has no {", ".join(missing)}: '
                         f'expected deepforest {DEEPFOREST_VERSION}\'s '
                         'wheel (deepforest/data/<name>.png and .xml)')
    pixels = np.frombuffer(wheel.read(paths[0]), np.uint8)
    image = cv2.imdecode(pixels, cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f'cannot decode {paths[0]} in {wheel.filename}')
    return image, read_voc_boxes(wheel.read(paths[1]))


def tile_origins(length: int, tile: int) -> List[int]:
    """Where tiles start along one side: as few tiles as cover it, spread
    evenly from border to border (so neighbours overlap as little as they
    can); a single tile when the side is not longer than one."""
    if length <= tile:
        return [0]
    count = math.ceil(length / tile)
    return [round(i * (length - tile) / (count - 1)) for i in range(count)]


def tiles(
        image: np.ndarray, boxes: List[Box], tile: int, min_visible: float
) -> Iterator[Tuple[int, int, np.ndarray, List[Box]]]:
    """Each tile's origin, pixels and boxes (clipped, tile coordinates)."""
    height, width = image.shape[:2]
    for y0 in tile_origins(height, tile):
        for x0 in tile_origins(width, tile):
            x1, y1 = min(x0 + tile, width), min(y0 + tile, height)
            kept = []
            for bx0, by0, bx1, by1 in boxes:
                area = (bx1 - bx0) * (by1 - by0)
                cx0, cy0 = max(bx0, x0), max(by0, y0)
                cx1, cy1 = min(bx1, x1), min(by1, y1)
                if cx1 <= cx0 or cy1 <= cy0 or area <= 0:
                    continue
                if (cx1 - cx0) * (cy1 - cy0) >= min_visible * area:
                    kept.append((cx0 - x0, cy0 - y0, cx1 - x0, cy1 - y0))
            yield x0, y0, image[y0:y1, x0:x1], kept


def convert_split(wheel: zipfile.ZipFile, names: Tuple[str, ...], out_dir: str,
                  split: str, tile: int, min_visible: float) -> Dict:
    """Write one split's tiles; returns its COCO annotation dict."""
    image_dir = osp.join(out_dir, split)
    os.makedirs(image_dir, exist_ok=True)
    coco = dict(images=[], annotations=[], categories=[CATEGORY])
    for name in names:
        image, boxes = read_image_and_boxes(wheel, name)
        for x0, y0, pixels, kept in tiles(image, boxes, tile, min_visible):
            file_name = f'{name}_{x0}_{y0}.png'
            cv2.imwrite(osp.join(image_dir, file_name), pixels)
            image_id = len(coco['images']) + 1
            coco['images'].append(
                dict(
                    id=image_id,
                    file_name=file_name,
                    height=pixels.shape[0],
                    width=pixels.shape[1]))
            for bx0, by0, bx1, by1 in kept:
                w, h = bx1 - bx0, by1 - by0
                coco['annotations'].append(
                    dict(
                        id=len(coco['annotations']) + 1,
                        image_id=image_id,
                        category_id=CATEGORY['id'],
                        bbox=[bx0, by0, w, h],
                        area=w * h,
                        iscrowd=0))
    return coco


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def main() -> None:
    args = parse_args()
    wheel_path = (
        Path(args.wheel) if args.wheel else download_wheel(args.download_dir))
    if not wheel_path.is_file():
        raise SystemExit(f'--wheel {wheel_path} does not exist')
    os.makedirs(osp.join(args.out_dir, 'annotations'), exist_ok=True)
    with zipfile.ZipFile(wheel_path) as wheel:
        for split, names in SPLITS.items():
            coco = convert_split(wheel, names, args.out_dir, split,
                                 args.tile_size, args.min_visible)
            ann_file = osp.join(args.out_dir, 'annotations',
                                f'instances_{split}.json')
            with open(ann_file, 'w') as f:
                json.dump(coco, f)
            print(f'{split}: {len(coco["images"])} tiles, '
                  f'{len(coco["annotations"])} tree boxes -> {ann_file}')
    source = dict(
        wheel=wheel_path.name,
        sha256=sha256(wheel_path),
        splits={k: list(v)
                for k, v in SPLITS.items()},
        tile_size=args.tile_size,
        min_visible=args.min_visible)
    with open(osp.join(args.out_dir, 'source.json'), 'w') as f:
        json.dump(source, f, indent=1)


if __name__ == '__main__':
    main()
