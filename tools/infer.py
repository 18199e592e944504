"""Run a trained detector on images: drawn detections and a COCO results
file.

Usage, from the repository root::

    python tools/infer.py CONFIG CHECKPOINT INPUT --out-dir DIR \\
        [--score-thr 0.3] [--device cpu] [--batch-size 1] [--ann-file ANN]

``INPUT`` is an image, a folder (its images, recursively) or a quoted glob
(``'data/*/val/*.png'``). Inference runs through MMDetection's
``DetInferencer`` with the config's test pipeline. ``DIR/vis/`` gets each
image with its detections above ``--score-thr`` drawn, and
``DIR/results.json`` all of them as one COCO results list (``image_id``,
``bbox`` as ``[x, y, w, h]`` in the original image, ``score``,
``category_id``, plus ``file_name`` and ``category_name``); the model's
own test-time score threshold is lowered to ``--score-thr`` if higher. With
``--ann-file`` (a COCO annotation file listing the images) the image and
category ids are the file's, so ``COCO.loadRes`` and ``COCOeval`` take the
results as they are; without it images are numbered 1..N in input order and
category ids are class indices + 1.
"""
import argparse
import glob
import json
import os
import os.path as osp
from typing import Dict, List, Optional

from mmdet.apis import DetInferencer
from mmengine.config import DictAction
from mmengine.fileio import list_dir_or_file

from mmdet_attn.utils import load_run_config

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif',
                  '.tiff', '.webp')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Detect objects in an image, a folder or a glob of '
        'images; write drawn images and one COCO results JSON.')
    parser.add_argument('config', help='config file of the detector')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        'input', help='an image, a folder of images, or a quoted glob')
    parser.add_argument(
        '--out-dir',
        required=True,
        help='folder for vis/ (drawn images) and results.json')
    parser.add_argument(
        '--score-thr',
        type=float,
        default=0.3,
        help='draw and keep detections with at least this score')
    parser.add_argument(
        '--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument(
        '--batch-size', type=int, default=1, help='images per forward pass')
    parser.add_argument(
        '--ann-file',
        help='COCO annotation file of the images: take image and category '
        'ids from it')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    args = parser.parse_args(argv)
    for what in ('config', 'checkpoint'):
        if not osp.isfile(getattr(args, what)):
            parser.error(f'{what} {getattr(args, what)!r} does not exist')
    if not 0 <= args.score_thr <= 1:
        parser.error(f'--score-thr must lie in [0, 1], got {args.score_thr}')
    if args.batch_size < 1:
        parser.error(f'--batch-size must be at least 1, got '
                     f'{args.batch_size}')
    if args.ann_file is not None and not osp.isfile(args.ann_file):
        parser.error(f'--ann-file {args.ann_file!r} does not exist')
    return args


def find_images(pattern: str) -> List[str]:
    """The image files named by an image path, a folder or a glob, sorted.

    Args:
        pattern (str): an image file, a folder (searched recursively) or a
            glob pattern.

    Returns:
        list[str]: paths of the images.

    Raises:
        SystemExit: when nothing matches, or a file is not an image.
    """
    if osp.isdir(pattern):
        paths = [
            osp.join(pattern, name) for name in list_dir_or_file(
                pattern, list_dir=False, suffix=IMAGE_SUFFIXES, recursive=True)
        ]
    elif osp.isfile(pattern):
        paths = [pattern]
    else:
        paths = [
            p for p in glob.glob(pattern, recursive=True) if osp.isfile(p)
        ]
    if not paths:
        raise SystemExit(f'input {pattern!r}: no such image, folder or glob '
                         f'match')
    others = [p for p in paths if not p.lower().endswith(IMAGE_SUFFIXES)]
    if others:
        raise SystemExit(f'input {pattern!r} names {len(others)} file(s) '
                         f'that are not images ({others[:3]}); image '
                         f'suffixes: {", ".join(IMAGE_SUFFIXES)}')
    return sorted(paths)


def coco_ids(ann_file: str, images: List[str], classes: List[str]) -> tuple:
    """Image and category ids of a COCO annotation file, for the inputs.

    Args:
        ann_file (str): COCO annotation file.
        images (list[str]): the input images; matched by file name.
        classes (list[str]): the model's class names, in label order.

    Returns:
        tuple[dict, list]: file name -> image id, and label -> category id.

    Raises:
        SystemExit: when an image or a class is not in the file.
    """
    with open(ann_file) as f:
        coco = json.load(f)
    by_name = {osp.basename(i['file_name']): i['id'] for i in coco['images']}
    missing = [p for p in images if osp.basename(p) not in by_name]
    if missing:
        raise SystemExit(f'--ann-file {ann_file}: {len(missing)} input '
                         f'image(s) are not among its images, e.g. '
                         f'{missing[:3]}')
    category_ids = {c['name']: c['id'] for c in coco['categories']}
    unknown = [c for c in classes if c not in category_ids]
    if unknown:
        raise SystemExit(f'--ann-file {ann_file}: the model\'s classes '
                         f'{unknown} are not among its categories '
                         f'{sorted(category_ids)}')
    return ({p: by_name[osp.basename(p)]
             for p in images}, [category_ids[c] for c in classes])


def to_coco_results(images: List[str], predictions: list,
                    image_ids: Dict[str, int], category_ids: List[int],
                    classes: List[str], score_thr: float) -> List[dict]:
    """Detections as a COCO results list.

    Args:
        images (list[str]): image paths, in prediction order.
        predictions (list[DetDataSample]): one per image.
        image_ids (dict): image path -> COCO image id.
        category_ids (list[int]): label -> COCO category id.
        classes (list[str]): label -> class name.
        score_thr (float): detections below it are left out.

    Returns:
        list[dict]: one dict per detection.
    """
    results = []
    for path, sample in zip(images, predictions):
        instances = sample.pred_instances
        keep = instances.scores >= score_thr
        for box, score, label in zip(instances.bboxes[keep].tolist(),
                                     instances.scores[keep].tolist(),
                                     instances.labels[keep].tolist()):
            x1, y1, x2, y2 = box
            results.append(
                dict(
                    image_id=image_ids[path],
                    file_name=osp.basename(path),
                    bbox=[round(v, 2) for v in (x1, y1, x2 - x1, y2 - y1)],
                    score=round(score, 5),
                    category_id=category_ids[label],
                    category_name=classes[label]))
    return results


def lower_model_score_thr(cfg, score_thr: float) -> None:
    """Let the detector keep boxes down to ``score_thr``: its own
    ``test_cfg`` threshold (``rcnn.score_thr`` of two-stage detectors,
    ``score_thr`` of one-stage ones) would otherwise drop them first."""
    test_cfg = cfg.model.get('test_cfg') or {}
    for stage in (test_cfg.get('rcnn'), test_cfg):
        if stage and 'score_thr' in stage:
            stage['score_thr'] = min(stage['score_thr'], score_thr)
            return


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    images = find_images(args.input)
    cfg = load_run_config(args.config, args.cfg_options)
    lower_model_score_thr(cfg, args.score_thr)
    inferencer = DetInferencer(
        model=cfg,
        weights=args.checkpoint,
        device=args.device,
        show_progress=len(images) > 1)
    classes = list(inferencer.model.dataset_meta['classes'])
    if args.ann_file is not None:
        image_ids, category_ids = coco_ids(args.ann_file, images, classes)
    else:
        image_ids = {p: i for i, p in enumerate(images, start=1)}
        category_ids = list(range(1, len(classes) + 1))

    outputs = inferencer(
        images,
        batch_size=args.batch_size,
        out_dir=args.out_dir,
        pred_score_thr=args.score_thr,
        return_datasamples=True,
        no_save_pred=True)
    results = to_coco_results(images, outputs['predictions'], image_ids,
                              category_ids, classes, args.score_thr)
    os.makedirs(args.out_dir, exist_ok=True)
    results_file = osp.join(args.out_dir, 'results.json')
    with open(results_file, 'w') as f:
        json.dump(results, f)
    print(f'{len(results)} detections with score >= {args.score_thr} in '
          f'{len(images)} image(s): drawn in '
          f'{osp.join(args.out_dir, "vis")}, COCO results in {results_file}')


if __name__ == '__main__':
    main()
