"""Tests of StrictCocoDataset: a valid file loads, bad files fail clearly."""
import json
import re

import pytest

from mmdet_attn.datasets import CUSTOM27_CLASSES, StrictCocoDataset
from mmdet_attn.datasets.synthetic_custom27 import generate_custom27

ANN = 'annotations/instances_train.json'


def _valid() -> dict:
    cats = [
        dict(id=i + 1, name=n, supercategory=n.split('_')[0])
        for i, n in enumerate(CUSTOM27_CLASSES)
    ]
    images = [
        dict(id=1, file_name='000000.png', width=64, height=64),
        dict(id=2, file_name='000001.png', width=64, height=64),
    ]

    def ann(aid, iid, cid, bbox):
        return dict(
            id=aid,
            image_id=iid,
            category_id=cid,
            bbox=bbox,
            area=bbox[2] * bbox[3],
            iscrowd=0)

    anns = [
        ann(1, 1, 1, [2.0, 3.0, 20.0, 10.0]),
        ann(2, 1, 27, [30.0, 30.0, 12.0, 12.0]),
        ann(3, 2, 14, [5.0, 5.0, 40.0, 30.0]),
    ]
    return dict(images=images, annotations=anns, categories=cats)


def _write(tmp_path, data) -> str:
    path = tmp_path / ANN
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, (bytes, str)):
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    else:
        path.write_text(json.dumps(data))
    return str(path)


def _build(tmp_path, ann_file=ANN, classes=CUSTOM27_CLASSES):
    metainfo = None if classes is None else dict(classes=classes)
    return StrictCocoDataset(
        data_root=str(tmp_path),
        ann_file=ann_file,
        data_prefix=dict(img='train/'),
        metainfo=metainfo,
        pipeline=[])


def test_registered():
    from mmdet.registry import DATASETS
    assert DATASETS.get('StrictCocoDataset') is StrictCocoDataset


def test_valid_file_loads(tmp_path):
    _write(tmp_path, _valid())
    from mmdet.registry import DATASETS
    ds = DATASETS.build(
        dict(
            type='StrictCocoDataset',
            data_root=str(tmp_path),
            ann_file=ANN,
            data_prefix=dict(img='train/'),
            metainfo=dict(classes=CUSTOM27_CLASSES),
            pipeline=[]))
    assert isinstance(ds, StrictCocoDataset)
    assert len(ds) == 2
    labels = {
        ds.get_data_info(i)['img_id']:
        [inst['bbox_label'] for inst in ds.get_data_info(i)['instances']]
        for i in range(len(ds))
    }
    assert labels == {1: [0, 26], 2: [13]}
    info = ds.get_data_info(0)
    assert info['img_path'].endswith('train/000000.png')
    assert info['instances'][0]['bbox'] == [2.0, 3.0, 22.0, 13.0]


def test_generated_custom27_loads(tmp_path):
    generate_custom27(str(tmp_path), num_train=3, num_val=2, img_size=64)
    ds = _build(tmp_path)
    data = json.loads((tmp_path / ANN).read_text())
    assert len(ds) == 3
    assert sum(len(ds.get_data_info(i)['instances'])
               for i in range(len(ds))) == len(data['annotations'])


def test_missing_file(tmp_path):
    with pytest.raises(
            FileNotFoundError,
            match=r"nope\.json.*data_root=.*"
            r'generate_custom27\.py.*--cfg-options'):
        _build(tmp_path, ann_file='annotations/nope.json')


def test_truncated_json(tmp_path):
    text = json.dumps(_valid())
    _write(tmp_path, text[:len(text) // 2])
    with pytest.raises(
            ValueError,
            match=r'instances_train\.json.*not valid JSON.*'
            r'line 1, column \d+'):
        _build(tmp_path)


def test_binary_garbage(tmp_path):
    _write(tmp_path, b'\xff\xfe\x00garbage')
    with pytest.raises(ValueError, match=r'instances_train\.json.*JSON'):
        _build(tmp_path)


def test_top_level_not_object(tmp_path):
    _write(tmp_path, [1, 2])
    with pytest.raises(
            ValueError, match=r"instances_train\.json.*top level.*'images'"):
        _build(tmp_path)


def _without(key):

    def edit(data):
        del data[key]

    return edit


def _annotations_as_dict(data):
    data['annotations'] = {'1': data['annotations'][0]}


def _no_images(data):
    data['images'] = []
    data['annotations'] = []


def _unknown_category(data):
    data['annotations'][2]['category_id'] = 99


def _unknown_image(data):
    data['annotations'][0]['image_id'] = 42


def _annotation_without_area(data):
    del data['annotations'][0]['area']


def _class_absent(data):
    data['categories'] = [
        c for c in data['categories'] if c['name'] != 'arrow_bar'
    ]
    data['annotations'] = data['annotations'][:1]


@pytest.mark.parametrize(
    'edit, message', [
        (_without('images'), r"missing top-level key 'images'"),
        (_without('annotations'), r"missing top-level key 'annotations'"),
        (_without('categories'), r"missing top-level key 'categories'"),
        (_annotations_as_dict, r"'annotations' is a dict; expected a list"),
        (_no_images, r'has no images'),
        (_unknown_category,
         r'annotation id 3 \(image id 2\) has category_id 99'
         r'.*allowed category ids: \[1, 2, 3, '),
        (_unknown_image, r'annotation id 1 has image_id 42'),
        (_annotation_without_area, r"annotation entry 0 .*\['area'\]"),
        (_class_absent, r"missing.*\['arrow_bar'\].*category names "
         r"\['circle_plain'"),
    ],
    ids=lambda v: getattr(v, '__name__', None))
def test_bad_annotation_file(tmp_path, edit, message):
    data = _valid()
    edit(data)
    _write(tmp_path, data)
    with pytest.raises(ValueError, match=r'instances_train\.json.*' + message):
        _build(tmp_path)


@pytest.mark.parametrize('bbox,fact', [
    ([1.0, 2.0, 3.0], '4 finite numbers'),
    ([1.0, 2.0, 'a', 4.0], '4 finite numbers'),
    ([1.0, 2.0, -3.0, 4.0], 'negative width or height'),
    ([1.0, 2.0, 3.0, -0.5], 'negative width or height'),
])
def test_bad_bbox(tmp_path, bbox, fact):
    data = _valid()
    data['annotations'][1]['bbox'] = bbox
    data['annotations'][1]['area'] = 1.0
    _write(tmp_path, data)
    with pytest.raises(
            ValueError,
            match=r'instances_train\.json.*annotation id 2 .*' +
            re.escape(fact)):
        _build(tmp_path)


def test_default_coco_classes_rejected(tmp_path):
    # Without metainfo the COCO class names apply; none is in the file.
    _write(tmp_path, _valid())
    with pytest.raises(ValueError, match=r"missing.*'person'"):
        _build(tmp_path, classes=None)


def test_subset_of_classes_allowed(tmp_path):
    _write(tmp_path, _valid())
    ds = _build(tmp_path, classes=('circle_plain', 'hexagon_dot'))
    labels = sorted(inst['bbox_label'] for i in range(len(ds))
                    for inst in ds.get_data_info(i)['instances'])
    assert labels == [0, 1]


def _relisted(data, order, new_id):
    """The same file with its categories listed in ``order`` (names) and
    renumbered by ``new_id(position in CUSTOM27_CLASSES)``; annotations
    follow their category by name."""
    old_name = {c['id']: c['name'] for c in data['categories']}
    ids = {name: new_id(i) for i, name in enumerate(CUSTOM27_CLASSES)}
    data['categories'] = [dict(id=ids[n], name=n) for n in order]
    for ann in data['annotations']:
        ann['category_id'] = ids[old_name[ann['category_id']]]
    return data


def _labels_by_box(dataset):
    return {(info['img_id'], tuple(inst['bbox'])): inst['bbox_label']
            for info in map(dataset.get_data_info, range(len(dataset)))
            for inst in info['instances']}


_SHUFFLED = tuple(CUSTOM27_CLASSES[i]
                  for i in (5, 26, 0, 13, 2, 20, 8, 17, 1, 24, 11, 3, 22, 6,
                            15, 9, 25, 4, 19, 12, 7, 21, 14, 10, 23, 16, 18))


@pytest.mark.parametrize(
    'order, new_id', [
        (_SHUFFLED, lambda i: i + 1),
        (tuple(reversed(CUSTOM27_CLASSES)), lambda i: 1000 - 7 * i),
    ],
    ids=['shuffled-order', 'gapped-descending-ids'])
def test_labels_follow_class_names_in_every_split(tmp_path, order, new_id):
    from mmdet.datasets import CocoDataset
    train_root, val_root = tmp_path / 'train', tmp_path / 'val'
    _write(train_root, _valid())
    _write(val_root, _relisted(_valid(), order, new_id))
    train, val = _build(train_root), _build(val_root)
    # The same boxes carry the same labels, and label i is classes[i].
    assert _labels_by_box(val) == _labels_by_box(train)
    assert sorted(_labels_by_box(val).values()) == [0, 13, 26]
    assert val.metainfo['ann_file'] == str(val_root / ANN)
    # The stock dataset numbers labels in the file's order: it disagrees.
    stock = CocoDataset(
        data_root=str(val_root),
        ann_file=ANN,
        data_prefix=dict(img='x/'),
        metainfo=dict(classes=CUSTOM27_CLASSES),
        pipeline=[])
    assert _labels_by_box(stock) != _labels_by_box(train)


def test_name_shared_by_two_categories(tmp_path):
    data = _valid()
    data['categories'][1]['name'] = 'circle_plain'
    data['annotations'] = data['annotations'][:1]
    _write(tmp_path, data)
    with pytest.raises(
            ValueError,
            match=r"instances_train\.json.*several categories "
            r"share.*'circle_plain': \[1, 2\]"):
        _build(tmp_path, classes=('circle_plain', 'hexagon_dot'))
