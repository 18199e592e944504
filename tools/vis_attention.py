"""Where an attention backbone looks: its attention maps and a Grad-CAM.

Usage, from the repository root::

    python tools/vis_attention.py CONFIG CHECKPOINT IMAGE [IMAGE ...] \
        --out-dir DIR

For any backbone of this package, overlays each spatial attention map
(attention gates, CBAM spatial gates, Residual Attention Network soft
masks) on the image, plots each layer's channel-attention weights (ECA, SE,
SAM, CBAM channel gates), and draws the Grad-CAM of the detector's
top-scoring box, as PNGs; ``maps.json`` lists every map written with its
shape and range. With several images, each gets a folder of its own in
DIR, named after the image's file. The files and what they show:
``docs/visualization.md``.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

import mmcv
from mmdet.apis import init_detector
from mmengine.config import DictAction

from mmdet_attn.utils import checkpoint_safe_globals, load_run_config
from mmdet_attn.visualization import write_attention_report


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Draw the attention maps, channel-attention weights and '
        'the top box\'s Grad-CAM of a detector for images, as PNGs.')
    parser.add_argument('config', help='config file of the detector')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        'images',
        nargs='+',
        metavar='image',
        help='image file(s); several: one sub-folder of --out-dir each')
    parser.add_argument(
        '--out-dir',
        default='work_dirs/vis_attention',
        help='folder for the PNGs and maps.json')
    parser.add_argument(
        '--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument(
        '--cam-layer',
        default='backbone',
        help='module whose output the Grad-CAM uses (its last map when it '
        'returns several); default: the deepest backbone output')
    parser.add_argument(
        '--save-arrays',
        action='store_true',
        help='also write every map\'s values to maps.npz')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    args = parser.parse_args(argv)
    named = [('config', args.config), ('checkpoint', args.checkpoint)]
    for what, path in named + [('image', image) for image in args.images]:
        if not osp.isfile(path):
            parser.error(f'{what} {path!r} does not exist')
    stems = [osp.splitext(osp.basename(image))[0] for image in args.images]
    if len(set(stems)) < len(stems):
        parser.error(f'the images need distinct file names (each names its '
                     f'folder), got {args.images}')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    images = []
    for path in args.images:
        image = mmcv.imread(path)
        if image is None:
            raise SystemExit(f'cannot read image {path!r}: not an image '
                             'format OpenCV can decode')
        images.append(image)
    cfg = load_run_config(args.config, args.cfg_options)
    with checkpoint_safe_globals():
        model = init_detector(cfg, args.checkpoint, device=args.device)
    for path, image in zip(args.images, images):
        out_dir = args.out_dir if len(images) == 1 else osp.join(
            args.out_dir,
            osp.splitext(osp.basename(path))[0])
        summary = write_attention_report(model, image, out_dir, args.cam_layer,
                                         args.save_arrays)
        print_summary(summary, path, out_dir)
    return 0


def print_summary(summary: dict, image: str, out_dir: str) -> None:
    """Say what :func:`write_attention_report` wrote for ``image``."""
    maps = summary['maps']
    print(f'{len(maps)} maps of {image} written to {out_dir} '
          f'({len(summary["attention_layers"])} attention layers):')
    detection = summary['detection']
    if detection is not None:
        print(f'  top box: {detection["class_name"]}, score '
              f'{detection["score"]:.3f}, at {detection["box"]} (x1, y1, '
              'x2, y2 in image pixels)')
    for record in maps:
        print(f'  {record["file"]}: {record["kind"]}, shape '
              f'{tuple(record["shape"])}, range [{record["min"]:.3f}, '
              f'{record["max"]:.3f}]')
    for note in summary['notes']:
        print(f'  note: {note}')
    print(f'  summary: {osp.join(out_dir, "maps.json")}')


if __name__ == '__main__':
    sys.exit(main())
