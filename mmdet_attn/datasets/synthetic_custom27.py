"""Seeded generator of ``custom27``, a synthetic COCO-format detection set.

The data is synthetic: no photograph is involved. Every image is drawn with
OpenCV from a seeded :func:`numpy.random.default_rng` stream, so the same
seed and sizes always give the same PNG files and byte-identical annotation
files.

How an image is made:

1. Background: a smooth two-colour gradient in muted, low-saturation colours,
   plus a low-frequency texture (upsampled noise) and 3-8 thin, low-contrast
   random lines.
2. Distractors (unlabelled): 1-4 elongated random blobs, thick strokes and
   partial shapes (arcs, pie sectors) in the same saturated palette as the
   objects. They belong to none of the 27 classes and are drawn under the
   objects.
3. Objects: 2-10 per image. Each is one of 9 base shapes (circle, square,
   triangle, diamond, hexagon, star, cross, ring, arrow) with one of 3
   markings: ``plain`` (none), ``dot`` (a contrasting filled disc at the
   shape's centre, about 28% of the object size) or ``bar`` (a contrasting
   horizontal bar across the centre, about 20% of the object height, clipped
   to the shape's outline; for the ring it crosses the hole). Class =
   shape x marking, 27 classes. The fill colour is drawn at random from a
   palette shared by all classes, so colour does not identify the class; the
   marking colour is black or white, whichever contrasts with the fill.
   Object sizes run from 8 px to a third of the image side: 12% of the
   objects are 8-12 px (their markings are hard to see; that is intended),
   the rest are log-uniform between 12 px and ``img_size / 3``.
4. Occlusion: objects are placed one after the other in random order and
   drawn on top of the earlier ones. A position is accepted when the new
   box has IoU <= 0.3 with every earlier box and every earlier object keeps
   at least 60% of its drawn pixels visible; otherwise another position (and
   then a smaller size) is tried, and an object that cannot be placed is
   dropped from image and annotations alike. The bbox is the full (amodal)
   extent of the drawn object, also where a later object covers part of it.
   Objects lie wholly inside the image.
5. Mild Gaussian pixel noise over the whole image.

Class frequencies are long-tailed: the class of frequency rank ``k`` has
weight ``TAIL_RATIO ** (-k / 26)``, so the most common class is about
``TAIL_RATIO`` (30) times as frequent as the rarest. The ranks interleave
shapes and markings (rank ``k`` is shape ``k % 9`` with marking
``(k % 9 + k // 9) % 3``), so each shape and each marking has a common class.
Per split, the class of each object is drawn by stratified sampling: the
number of objects of each class is the weight's share of the split's object
count (largest remainder rounding) on top of a per-split minimum, and the
resulting list is shuffled. The val split guarantees ``VAL_MIN_PER_CLASS``
objects per class so every class can be evaluated.

Train and val use independent streams spawned from ``SeedSequence(seed)``,
so changing ``num_train`` does not change the val split.

Files written (COCO format; ``file_name`` relative to the split folder)::

    out_dir/train/000000.png ...
    out_dir/val/000000.png ...
    out_dir/annotations/instances_train.json
    out_dir/annotations/instances_val.json
"""
import json
import math
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.logging import MMLogger

from .custom27_classes import CUSTOM27_CLASSES, MARKINGS, SHAPES

__all__ = [
    'TAIL_RATIO', 'VAL_MIN_PER_CLASS', 'class_weights', 'generate_custom27'
]

#: Weight of the most common class over that of the rarest.
TAIL_RATIO = 30.0
#: Objects of each class guaranteed in the val split.
VAL_MIN_PER_CLASS = 6
MIN_OBJECTS, MAX_OBJECTS = 2, 10
MAX_IOU = 0.3
MIN_VISIBLE = 0.6
TINY_FRACTION = 0.12  # share of objects 8-12 px

# Saturated fill colours shared by all classes and by distractors (RGB).
_PALETTE_RGB = np.array([(220, 40, 40), (40, 170, 60), (40, 80, 225),
                         (235, 205, 30), (205, 45, 200), (30, 190, 205),
                         (245, 130, 20), (125, 50, 205), (245, 100, 155),
                         (150, 220, 40)],
                        dtype=np.float32)
_PALETTE = _PALETTE_RGB[:, ::-1].copy()  # BGR for OpenCV
_DARK = np.array([20, 20, 20], dtype=np.float32)
_LIGHT = np.array([245, 245, 245], dtype=np.float32)

_SHIFT = 4  # OpenCV sub-pixel bits
_SCALE = 1 << _SHIFT
_PNG_NAME = re.compile(r'^\d{6}\.png$')


def _star(points: int = 5, inner: float = 0.5) -> np.ndarray:
    ang = -np.pi / 2 + np.arange(2 * points) * np.pi / points
    rad = np.where(np.arange(2 * points) % 2 == 0, 0.5, 0.5 * inner)
    return np.stack([rad * np.cos(ang), rad * np.sin(ang)], 1)


def _hexagon() -> np.ndarray:
    ang = np.arange(6) * np.pi / 3
    return np.stack([0.5 * np.cos(ang), 0.5 * np.sin(ang) / np.sin(np.pi / 3)],
                    1)


_A = 0.18  # half-width of the cross's arms
# Outlines in unit coordinates (x right, y down), extent [-0.5, 0.5]^2.
_POLYGONS: Dict[str, np.ndarray] = {
    'square':
    np.array([(-.5, -.5), (.5, -.5), (.5, .5), (-.5, .5)]),
    'triangle':
    np.array([(0, -.5), (.5, .5), (-.5, .5)]),
    'diamond':
    np.array([(0, -.5), (.5, 0), (0, .5), (-.5, 0)]),
    'hexagon':
    _hexagon(),
    'star':
    _star(),
    'cross':
    np.array([(-_A, -.5), (_A, -.5), (_A, -_A), (.5, -_A), (.5, _A), (_A, _A),
              (_A, .5), (-_A, .5), (-_A, _A), (-.5, _A), (-.5, -_A),
              (-_A, -_A)]),
    'arrow':
    np.array([(-.5, -.2), (.05, -.2), (.05, -.5), (.5, 0), (.05, .5),
              (.05, .2), (-.5, .2)]),
}
# Where markings go (unit coordinates): a point well inside the shape.
_MARK_CENTRE: Dict[str, Tuple[float, float]] = {
    'triangle': (0.0, 1 / 6),
    'star': (0.0, 0.05),
    'arrow': (-0.2, 0.0),
}
_RING_INNER = 0.6  # inner/outer radius of the ring


def class_weights(ratio: float = TAIL_RATIO) -> np.ndarray:
    """Long-tailed sampling weight of each class, in class order.

    Args:
        ratio (float): Weight of the most common class over the rarest.

    Returns:
        np.ndarray: 27 weights summing to 1.
    """
    n = len(CUSTOM27_CLASSES)
    rank = np.empty(n, dtype=np.int64)
    for k in range(n):
        s = k % len(SHAPES)
        m = (s + k // len(SHAPES)) % len(MARKINGS)
        rank[s * len(MARKINGS) + m] = k
    w = ratio**(-rank / (n - 1))
    return w / w.sum()


def _allocate(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Split ``total`` objects over classes: ``minimum`` each, rest by weight
    with largest-remainder rounding."""
    n = len(weights)
    minimum = max(0, min(minimum, total // n))
    rest = total - minimum * n
    exact = rest * weights
    counts = np.floor(exact).astype(np.int64)
    short = rest - int(counts.sum())
    order = np.argsort(-(exact - counts), kind='stable')
    counts[order[:short]] += 1
    return counts + minimum


def _pts(xy: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(xy) * _SCALE).astype(np.int32)


def _fill_ellipse(mask: np.ndarray,
                  cx: float,
                  cy: float,
                  rx: float,
                  ry: float,
                  value: int = 255) -> None:
    cv2.ellipse(
        mask, (int(round(cx * _SCALE)), int(round(cy * _SCALE))),
        (max(1, int(round(rx * _SCALE))), max(1, int(round(ry * _SCALE)))), 0,
        0, 360, value, -1, cv2.LINE_AA, _SHIFT)


def _render_object(shape: str, marking: str, w: float,
                   h: float) -> Tuple[np.ndarray, np.ndarray]:
    """Draw one object into a small patch.

    Returns:
        tuple: ``(body, mark)`` uint8 alpha masks of the same size: the
        filled shape (without the ring's hole) and the marking.
    """
    pw, ph = int(math.ceil(w)) + 4, int(math.ceil(h)) + 4
    cx, cy = (pw - 1) / 2, (ph - 1) / 2
    body = np.zeros((ph, pw), np.uint8)
    if shape in ('circle', 'ring'):
        _fill_ellipse(body, cx, cy, w / 2, h / 2)
        hull = body.copy()
        if shape == 'ring':
            _fill_ellipse(body, cx, cy, w / 2 * _RING_INNER,
                          h / 2 * _RING_INNER, 0)
    else:
        poly = _POLYGONS[shape] * (w, h) + (cx, cy)
        cv2.fillPoly(body, [_pts(poly)], 255, cv2.LINE_AA, _SHIFT)
        hull = body
    mark = np.zeros_like(body)
    mu, mv = _MARK_CENTRE.get(shape, (0.0, 0.0))
    mx, my = cx + mu * w, cy + mv * h
    if marking == 'dot':
        r = max(1.2, 0.14 * min(w, h))
        _fill_ellipse(mark, mx, my, r, r)
    elif marking == 'bar':
        t = max(1.5, 0.2 * h) / 2
        rect = np.array([(0, my - t), (pw - 1, my - t), (pw - 1, my + t),
                         (0, my + t)])
        cv2.fillPoly(mark, [_pts(rect)], 255, cv2.LINE_AA, _SHIFT)
        mark = np.minimum(mark, hull)
    return body, mark


def _composite(img: np.ndarray, x: int, y: int, alpha: np.ndarray,
               color: np.ndarray) -> None:
    """Alpha-blend a flat colour into ``img`` (float32 HxWx3) in place."""
    h, w = alpha.shape
    a = (alpha.astype(np.float32) * (1 / 255))[..., None]
    region = img[y:y + h, x:x + w]
    region *= 1 - a
    region += a * color


def _background(rng: np.random.Generator, size: int,
                grid: Tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    xx, yy = grid
    grey = rng.uniform(80, 170)
    c1 = np.clip(grey + rng.uniform(-20, 20, 3), 40, 215)
    c2 = np.clip(c1 + rng.uniform(-40, 40, 3), 40, 215)
    theta = rng.uniform(0, 2 * np.pi)
    t = xx * np.cos(theta) + yy * np.sin(theta)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    img = (
        c1.astype(np.float32) * (1 - t)[..., None] +
        c2.astype(np.float32) * t[..., None])
    low = rng.normal(0, 10, (6, 6, 3)).astype(np.float32)
    img += cv2.resize(low, (size, size), interpolation=cv2.INTER_CUBIC)
    for _ in range(int(rng.integers(3, 9))):
        p = _pts(rng.uniform(0, size, 4))
        col = tuple(
            float(v)
            for v in np.clip((c1 + c2) / 2 + rng.uniform(-45, 45, 3), 0, 255))
        cv2.line(img, (int(p[0]), int(p[1])), (int(p[2]), int(p[3])), col,
                 int(rng.integers(1, 3)), cv2.LINE_AA, _SHIFT)
    return img


def _distractors(rng: np.random.Generator, img: np.ndarray) -> None:
    """Draw 1-4 unlabelled blobs, strokes and partial shapes."""
    size = img.shape[0]
    for _ in range(int(rng.integers(1, 5))):
        col = tuple(float(v) for v in _PALETTE[rng.integers(len(_PALETTE))])
        c = rng.uniform(0.1 * size, 0.9 * size, 2)
        kind = rng.integers(4)
        if kind == 0:  # elongated irregular blob
            n = int(rng.integers(7, 13))
            ang = np.sort(rng.uniform(0, 2 * np.pi, n))
            rad = rng.uniform(0.35, 1.0, n) * rng.uniform(6, 22)
            xy = np.stack(
                [rad * np.cos(ang), rad * np.sin(ang) / rng.uniform(1.6, 3.0)],
                1)
            rot = rng.uniform(0, np.pi)
            rm = np.array([[np.cos(rot), -np.sin(rot)],
                           [np.sin(rot), np.cos(rot)]])
            cv2.fillPoly(img, [_pts(xy @ rm.T + c)], col, cv2.LINE_AA, _SHIFT)
        elif kind == 1:  # stroke
            n = int(rng.integers(3, 6))
            xy = c + np.cumsum(rng.normal(0, 10, (n, 2)), 0)
            cv2.polylines(img, [_pts(xy)], False, col, int(rng.integers(2, 5)),
                          cv2.LINE_AA, _SHIFT)
        else:  # arc (kind 2) or filled pie sector (kind 3)
            r = rng.uniform(5, 22, 2)
            start = rng.uniform(0, 360)
            sweep = rng.uniform(90, 220) if kind == 2 else rng.uniform(70, 180)
            cv2.ellipse(img, tuple(int(v) for v in _pts(c)),
                        tuple(int(v)
                              for v in _pts(r)), 0, start, start + sweep, col,
                        -1 if kind == 3 else int(rng.integers(2, 5)),
                        cv2.LINE_AA, _SHIFT)


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one ``[x1, y1, x2, y2]`` box (exclusive ends) with many."""
    if len(boxes) == 0:
        return np.zeros(0)
    iw = np.clip(
        np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0,
        None)
    ih = np.clip(
        np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0,
        None)
    inter = iw * ih
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / (area + areas - inter)


def _sample_size(rng: np.random.Generator, img_size: int) -> float:
    if rng.random() < TINY_FRACTION:
        return float(rng.uniform(8, 12))
    return float(np.exp(rng.uniform(np.log(12), np.log(img_size / 3))))


def _make_image(
    rng: np.random.Generator, img_size: int, labels: Sequence[int],
    grid: Tuple[np.ndarray, np.ndarray]
) -> Tuple[np.ndarray, List[Tuple[int, List[int]]]]:
    """Draw one image.

    Returns:
        tuple: the BGR uint8 image and a list of ``(label, [x, y, w, h])``
        (integer pixel boxes) of the objects that were placed.
    """
    img = _background(rng, img_size, grid)
    _distractors(rng, img)
    owner = np.full((img_size, img_size), -1, np.int32)
    visible: List[int] = []
    drawn: List[int] = []
    boxes = np.zeros((0, 4), np.float64)
    placed: List[Tuple[int, List[int]]] = []
    for label in labels:
        shape = SHAPES[label // len(MARKINGS)]
        marking = MARKINGS[label % len(MARKINGS)]
        size = _sample_size(rng, img_size)
        aspect = float(np.exp(rng.uniform(-0.15, 0.15)))
        color = _PALETTE[rng.integers(len(_PALETTE))]
        done = False
        for _shrink in range(3):
            w = max(8.0, size * math.sqrt(aspect))
            h = max(8.0, size / math.sqrt(aspect))
            body, mark = _render_object(shape, marking, w, h)
            full = np.maximum(body, mark) >= 128
            ys, xs = np.nonzero(full.any(1))[0], np.nonzero(full.any(0))[0]
            bx0, bx1, by0, by1 = xs[0], xs[-1] + 1, ys[0], ys[-1] + 1
            ph, pw = body.shape
            for _try in range(25):
                x = int(rng.integers(0, img_size - pw + 1))
                y = int(rng.integers(0, img_size - ph + 1))
                box = np.array([x + bx0, y + by0, x + bx1, y + by1], float)
                if np.any(_iou(box, boxes) > MAX_IOU):
                    continue
                under = owner[y:y + ph, x:x + pw][full]
                covered = np.bincount(under + 1, minlength=len(visible) + 1)
                covered = covered[1:]
                if np.any(
                        np.asarray(visible) - covered < MIN_VISIBLE *
                        np.asarray(drawn)):
                    continue
                done = True
                break
            if done:
                break
            size *= 0.75
        if not done:
            continue
        mcolor = _DARK if float(color @ (0.114, 0.587, 0.299)) > 140 \
            else _LIGHT
        _composite(img, x, y, body, color)
        if marking != 'plain':
            _composite(img, x, y, mark, mcolor)
        for k, c in enumerate(covered):
            visible[k] -= int(c)
        owner[y:y + ph, x:x + pw][full] = len(visible)
        visible.append(int(full.sum()))
        drawn.append(int(full.sum()))
        boxes = np.vstack([boxes, box[None]])
        placed.append((int(label), [
            int(box[0]),
            int(box[1]),
            int(box[2] - box[0]),
            int(box[3] - box[1])
        ]))
    img += rng.standard_normal(img.shape, dtype=np.float32) * 3.0
    return np.clip(np.round(img), 0, 255).astype(np.uint8), placed


def _categories() -> List[dict]:
    return [
        dict(id=i + 1, name=name, supercategory=name.split('_')[0])
        for i, name in enumerate(CUSTOM27_CLASSES)
    ]


def _generate_split(rng: np.random.Generator, split: str, img_dir: str,
                    ann_file: str, num_images: int, img_size: int,
                    min_per_class: int,
                    seed: int) -> Tuple[Dict[str, int], int]:
    """Generate one split.

    Returns:
        tuple: per-class instance counts (name -> count) and the number of
        planned objects that could not be placed.
    """
    os.makedirs(img_dir, exist_ok=True)
    for name in os.listdir(img_dir):  # stale images of an earlier run
        if _PNG_NAME.match(name):
            os.remove(osp.join(img_dir, name))
    n_obj = rng.integers(MIN_OBJECTS, MAX_OBJECTS + 1, num_images)
    counts = _allocate(int(n_obj.sum()), class_weights(), min_per_class)
    labels = np.repeat(np.arange(len(CUSTOM27_CLASSES)), counts)
    rng.shuffle(labels)
    starts = np.concatenate([[0], np.cumsum(n_obj)])
    coords = np.arange(img_size, dtype=np.float32)
    grid = np.meshgrid(coords, coords)
    images, annotations = [], []
    class_counts = np.zeros(len(CUSTOM27_CLASSES), np.int64)
    for i in range(num_images):
        own = labels[starts[i]:starts[i + 1]]
        img, placed = _make_image(rng, img_size, own, grid)
        file_name = f'{i:06d}.png'
        img_path = osp.join(img_dir, file_name)
        if not cv2.imwrite(img_path, img):
            raise OSError(f'cv2.imwrite failed for {img_path}')
        images.append(
            dict(
                id=i + 1, file_name=file_name, width=img_size,
                height=img_size))
        for label, (x, y, w, h) in placed:
            class_counts[label] += 1
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=i + 1,
                    category_id=label + 1,
                    bbox=[float(x), float(y),
                          float(w), float(h)],
                    area=float(w * h),
                    iscrowd=0,
                    segmentation=[[
                        float(x),
                        float(y),
                        float(x + w),
                        float(y),
                        float(x + w),
                        float(y + h),
                        float(x),
                        float(y + h)
                    ]]))
    coco = dict(
        info=dict(
            description='custom27: synthetic 27-class shape detection data '
            '(mmdet_attn.datasets.synthetic_custom27)',
            split=split,
            seed=seed,
            img_size=img_size,
            version='1.0'),
        licenses=[],
        images=images,
        annotations=annotations,
        categories=_categories())
    with open(ann_file, 'w', encoding='utf-8') as f:
        json.dump(coco, f, sort_keys=True, indent=None, separators=(',', ':'))
    counts_by_name = {
        name: int(c)
        for name, c in zip(CUSTOM27_CLASSES, class_counts)
    }
    return counts_by_name, int(n_obj.sum() - class_counts.sum())


def generate_custom27(out_dir: str,
                      num_train: int = 800,
                      num_val: int = 200,
                      img_size: int = 192,
                      seed: int = 0,
                      val_min_per_class: Optional[int] = None) -> dict:
    """Generate the synthetic ``custom27`` dataset in COCO format.

    Writes ``out_dir/{train,val}/NNNNNN.png`` and
    ``out_dir/annotations/instances_{train,val}.json``. Numbered PNGs left
    in the split folders by an earlier run are removed first. The same
    arguments always give identical files.

    Args:
        out_dir (str): Output folder (created if needed).
        num_train (int): Number of train images. Defaults to 800.
        num_val (int): Number of val images. Defaults to 200.
        img_size (int): Side of the square images in pixels, at least 48.
            Defaults to 192.
        seed (int): Seed of the generator. Defaults to 0.
        val_min_per_class (int, optional): Objects of each class guaranteed
            in val (fewer if val is too small to hold them). Defaults to
            :data:`VAL_MIN_PER_CLASS`.

    Returns:
        dict: Summary with ``out_dir``, ``seed``, ``img_size``, ``classes``
        and, per split under ``splits``: ``img_dir``, ``ann_file`` (paths),
        ``num_images``, ``num_instances``, ``num_dropped`` (planned objects
        that did not fit), ``class_counts`` (name -> count) and
        ``most_to_rarest`` (ratio of the largest to the smallest class
        count, ``inf`` when a class is absent).
    """
    if img_size < 48:
        raise ValueError(f'img_size must be at least 48, got {img_size}')
    if num_train < 0 or num_val < 0:
        raise ValueError('num_train and num_val must not be negative')
    if val_min_per_class is None:
        val_min_per_class = VAL_MIN_PER_CLASS
    logger = MMLogger.get_current_instance()
    ann_dir = osp.join(out_dir, 'annotations')
    os.makedirs(ann_dir, exist_ok=True)
    rngs = [
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2)
    ]
    summary = dict(
        out_dir=out_dir,
        seed=seed,
        img_size=img_size,
        classes=list(CUSTOM27_CLASSES),
        splits={})
    for rng, split, num, minimum in ((rngs[0], 'train', num_train, 0),
                                     (rngs[1], 'val', num_val,
                                      val_min_per_class)):
        img_dir = osp.join(out_dir, split)
        ann_file = osp.join(ann_dir, f'instances_{split}.json')
        counts, dropped = _generate_split(rng, split, img_dir, ann_file, num,
                                          img_size, minimum, seed)
        values = list(counts.values())
        ratio = (max(values) / min(values)) if min(values) > 0 else (
            float('inf') if max(values) > 0 else 0.0)
        summary['splits'][split] = dict(
            img_dir=img_dir,
            ann_file=ann_file,
            num_images=num,
            num_instances=int(sum(values)),
            num_dropped=dropped,
            class_counts=counts,
            most_to_rarest=ratio)
        logger.info(f'custom27 {split}: {num} images, {sum(values)} objects, '
                    f'most:rarest class = {ratio:.1f} ({dropped} planned '
                    f'objects did not fit) -> {ann_file}')
    return summary
