"""Where an attention backbone looks: its attention maps and a Grad-CAM.

Usage, from the repository root::

    python tools/vis_attention.py CONFIG CHECKPOINT IMAGE --out-dir DIR

For any backbone of this package, overlays each spatial attention map
(attention gates, CBAM spatial gates, Residual Attention Network soft
masks) on the image, plots each layer's channel-attention weights (ECA, SE,
SAM, CBAM channel gates), and draws the Grad-CAM of the detector's
top-scoring box, as PNGs; ``maps.json`` lists every map written with its
shape and range. The files and what they show: ``docs/visualization.md``.
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
        'the top box\'s Grad-CAM of a detector for one image, as PNGs.')
    parser.add_argument('config', help='config file of the detector')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('image', help='image file')
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
    for what in ('config', 'checkpoint', 'image'):
        path = getattr(args, what)
        if not osp.isfile(path):
            parser.error(f'{what} {path!r} does not exist')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    image = mmcv.imread(args.image)
    if image is None:
        raise SystemExit(f'cannot read image {args.image!r}: not an image '
                         'format OpenCV can decode')
    cfg = load_run_config(args.config, args.cfg_options)
    with checkpoint_safe_globals():
        model = init_detector(cfg, args.checkpoint, device=args.device)
    summary = write_attention_report(model, image, args.out_dir,
                                     args.cam_layer, args.save_arrays)

    maps = summary['maps']
    print(f'{len(maps)} maps of {args.image} written to {args.out_dir} '
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
    print(f'  summary: {osp.join(args.out_dir, "maps.json")}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
