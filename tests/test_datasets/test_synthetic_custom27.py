"""Tests of the synthetic custom27 generator (seeded, COCO format)."""
import importlib.util
import json
import os.path as osp
from pathlib import Path

import cv2
import numpy as np
import pytest
from pycocotools.coco import COCO

from mmdet_attn.datasets.custom27_classes import (CUSTOM27_CLASSES, MARKINGS,
                                                  SHAPES)
from mmdet_attn.datasets.synthetic_custom27 import (_render_object,
                                                    generate_custom27)

REPO = Path(__file__).resolve().parents[2]
SMALL = dict(num_train=4, num_val=3, img_size=96)


def _ann(root, split: str) -> Path:
    return Path(root) / 'annotations' / f'instances_{split}.json'


@pytest.fixture(scope='module')
def default_set(tmp_path_factory):
    """The dataset with the default sizes that ships (about 5-10 s)."""
    root = tmp_path_factory.mktemp('custom27')
    summary = generate_custom27(str(root), seed=0)
    return root, summary


def test_class_names():
    assert len(CUSTOM27_CLASSES) == 27
    assert len(set(CUSTOM27_CLASSES)) == 27
    assert CUSTOM27_CLASSES[:3] == ('circle_plain', 'circle_dot', 'circle_bar')
    assert {c.split('_')[0] for c in CUSTOM27_CLASSES} == set(SHAPES)
    assert {c.split('_')[1] for c in CUSTOM27_CLASSES} == set(MARKINGS)


def test_same_seed_identical_bytes(tmp_path):
    a, b = tmp_path / 'a', tmp_path / 'b'
    generate_custom27(str(a), seed=3, **SMALL)
    generate_custom27(str(b), seed=3, **SMALL)
    for split in ('train', 'val'):
        text = _ann(a, split).read_bytes()
        assert text == _ann(b, split).read_bytes()
        # No absolute paths (or anything else from the run) in the file.
        assert str(tmp_path).encode() not in text
        pngs = sorted(p.name for p in (a / split).glob('*.png'))
        assert len(pngs) == SMALL[f'num_{split}']
        for name in pngs:
            assert (a / split / name).read_bytes() == (b / split /
                                                       name).read_bytes()


def test_different_seed_differs(tmp_path):
    generate_custom27(str(tmp_path / 'a'), seed=0, **SMALL)
    generate_custom27(str(tmp_path / 'b'), seed=1, **SMALL)
    for split in ('train', 'val'):
        assert _ann(tmp_path / 'a', split).read_bytes() != _ann(
            tmp_path / 'b', split).read_bytes()
    assert (tmp_path / 'a/train/000000.png').read_bytes() != (
        tmp_path / 'b/train/000000.png').read_bytes()


def test_val_independent_of_num_train(tmp_path):
    generate_custom27(str(tmp_path / 'a'), seed=0, **SMALL)
    generate_custom27(str(tmp_path / 'b'), seed=0, **dict(SMALL, num_train=2))
    assert _ann(tmp_path / 'a',
                'val').read_bytes() == _ann(tmp_path / 'b',
                                            'val').read_bytes()


def test_regenerate_removes_stale_images(tmp_path):
    generate_custom27(str(tmp_path), seed=0, **SMALL)
    generate_custom27(str(tmp_path), seed=0, **dict(SMALL, num_train=2))
    assert sorted(p.name for p in (tmp_path / 'train').glob('*.png')) == [
        '000000.png', '000001.png'
    ]


@pytest.mark.parametrize('shape', SHAPES)
def test_markings_visible_at_16px(shape):
    body, _ = _render_object(shape, 'plain', 16, 16)
    for marking in ('dot', 'bar'):
        _, mark = _render_object(shape, marking, 16, 16)
        assert mark.shape == body.shape
        assert (mark >= 128).sum() >= 6, (shape, marking)


def test_default_files_and_coco_fields(default_set):
    root, summary = default_set
    for split, num in (('train', 800), ('val', 200)):
        coco = COCO(str(_ann(root, split)))
        assert len(coco.getImgIds()) == num
        cats = coco.loadCats(coco.getCatIds())
        assert [c['id'] for c in cats] == list(range(1, 28))
        assert [c['name'] for c in cats] == list(CUSTOM27_CLASSES)
        assert all(c['supercategory'] == c['name'].split('_')[0] for c in cats)
        info = summary['splits'][split]
        assert info['num_images'] == num
        assert info['num_instances'] == len(coco.getAnnIds())
        assert sum(info['class_counts'].values()) == len(coco.getAnnIds())
        img = coco.loadImgs([1])[0]
        assert img['file_name'] == '000000.png'
        assert (img['width'], img['height']) == (192, 192)
        arr = cv2.imread(str(root / split / img['file_name']))
        assert arr.shape == (192, 192, 3)
        ann = coco.loadAnns(coco.getAnnIds(imgIds=[1]))[0]
        x, y, w, h = ann['bbox']
        assert ann['iscrowd'] == 0
        assert ann['area'] == pytest.approx(w * h)
        assert ann['segmentation'] == [[
            x, y, x + w, y, x + w, y + h, x, y + h
        ]]


def test_default_boxes(default_set):
    root, _ = default_set
    for split in ('train', 'val'):
        data = json.loads(_ann(root, split).read_text())
        per_image = np.bincount([a['image_id'] for a in data['annotations']])
        assert per_image[1:].min() >= 2 and per_image.max() <= 10
        boxes = np.array([a['bbox'] for a in data['annotations']])
        assert (boxes[:, :2] >= 0).all()
        assert (boxes[:, 0] + boxes[:, 2] <= 192).all()
        assert (boxes[:, 1] + boxes[:, 3] <= 192).all()
        side = boxes[:, 2:].max(1)
        assert side.min() <= 12
        assert side.max() >= 192 / 4
        assert side.min() >= 7
        assert side.max() <= 192 / 3 + 8
        # Most objects 12-64 px, a minority smaller.
        assert 0.03 < (side < 12).mean() < 0.25


def test_default_long_tail_and_val_coverage(default_set):
    root, summary = default_set
    train = np.bincount([
        a['category_id']
        for a in json.loads(_ann(root, 'train').read_text())['annotations']
    ],
                        minlength=28)[1:]
    assert train.min() > 0
    assert train.max() / train.min() >= 20
    assert summary['splits']['train']['most_to_rarest'] == pytest.approx(
        train.max() / train.min())
    val = np.bincount([
        a['category_id']
        for a in json.loads(_ann(root, 'val').read_text())['annotations']
    ],
                      minlength=28)[1:]
    assert val.min() >= 5


def _load_cli():
    path = REPO / 'tools' / 'misc' / 'generate_custom27.py'
    spec = importlib.util.spec_from_file_location('gen_custom27_cli', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_existing_and_force(tmp_path, capsys):
    cli = _load_cli()
    out = str(tmp_path / 'c27')
    args = [
        '--out-dir', out, '--num-train', '3', '--num-val', '2', '--img-size',
        '64', '--seed', '7'
    ]
    assert cli.main(args) == 0
    assert 'most:rarest' in capsys.readouterr().out
    first = _ann(out, 'train').read_bytes()
    assert cli.main(args) == 0
    assert 'already exists' in capsys.readouterr().out
    assert cli.main(args[:-1] + ['8', '--force']) == 0
    assert 'written' in capsys.readouterr().out
    assert _ann(out, 'train').read_bytes() != first
    assert osp.isfile(osp.join(out, 'val', '000001.png'))
