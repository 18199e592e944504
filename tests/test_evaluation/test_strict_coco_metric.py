"""StrictCocoMetric: labels map to category ids by name, the per-class table
names the right classes, and the metric follows its dataset's file."""
import json
import logging

import pytest
import torch
from mmdet.evaluation import CocoMetric
from mmengine.logging import MMLogger

from mmdet_attn.datasets import CUSTOM27_CLASSES
from mmdet_attn.evaluation import StrictCocoMetric

# Nine 20x20 boxes on a 3x3 grid per 96x96 image, three images: every class
# once, class k in image k // 9.
_SIDE, _IMAGES = 96, 3


def _box(k):
    row, col = divmod(k % 9, 3)
    return [8.0 + 30 * col, 8.0 + 30 * row, 20.0, 20.0]


def _annotation_file(tmp_path, order, new_id):
    """Every class once; categories listed in ``order`` with ids
    ``new_id(index in CUSTOM27_CLASSES)``."""
    ids = {name: new_id(i) for i, name in enumerate(CUSTOM27_CLASSES)}
    data = dict(
        images=[
            dict(id=10 + i, file_name=f'{i}.png', width=_SIDE, height=_SIDE)
            for i in range(_IMAGES)
        ],
        categories=[dict(id=ids[name], name=name) for name in order],
        annotations=[
            dict(
                id=k + 1,
                image_id=10 + k // 9,
                category_id=ids[name],
                bbox=_box(k),
                area=400.0,
                iscrowd=0) for k, name in enumerate(CUSTOM27_CLASSES)
        ])
    path = tmp_path / 'instances_val.json'
    path.write_text(json.dumps(data))
    return str(path)


def _samples(labels):
    """Exact predictions for the objects of the given labels."""
    samples = []
    for image in range(_IMAGES):
        mine = [k for k in labels if k // 9 == image]
        boxes = [[x, y, x + w, y + h] for x, y, w, h in map(_box, mine)]
        samples.append(
            dict(
                img_id=10 + image,
                ori_shape=(_SIDE, _SIDE),
                pred_instances=dict(
                    bboxes=torch.tensor(boxes).reshape(-1, 4),
                    scores=torch.ones(len(mine)),
                    labels=torch.tensor(mine, dtype=torch.long))))
    return samples


def _evaluate(metric, labels, dataset_meta):
    metric.dataset_meta = dataset_meta
    metric.process({}, _samples(labels))
    return metric.evaluate(size=_IMAGES)


class _Lines(logging.Handler):

    def __init__(self):
        super().__init__()
        self.text = ''

    def emit(self, record):
        self.text += self.format(record) + '\n'


@pytest.fixture
def log_text():
    logger = MMLogger.get_current_instance()
    handler = _Lines()
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


# Predicted: the first 9 classes exactly; the other 18 not at all.
_FOUND = list(range(9))


@pytest.mark.parametrize(
    'order, new_id', [
        (CUSTOM27_CLASSES, lambda i: i + 1),
        (tuple(reversed(CUSTOM27_CLASSES)), lambda i: 1000 - 7 * i),
        (CUSTOM27_CLASSES[13:] + CUSTOM27_CLASSES[:13], lambda i: 3 * i + 5),
    ],
    ids=['ordered', 'gapped-descending-ids', 'rotated-order'])
def test_labels_map_to_ids_by_name(tmp_path, log_text, order, new_id):
    ann_file = _annotation_file(tmp_path, order, new_id)
    # No ann_file: the metric reads the dataset's.
    metric = StrictCocoMetric(metric='bbox', classwise=True)
    results = _evaluate(metric, _FOUND,
                        dict(classes=CUSTOM27_CLASSES, ann_file=ann_file))
    assert results['coco/bbox_mAP'] == pytest.approx(9 / 27, abs=1e-3)
    for label, name in enumerate(CUSTOM27_CLASSES):
        expected = 1.0 if label in _FOUND else 0.0
        assert results[f'coco/{name}_precision'] == expected, name
        # The per-class table prints the same value on the class's row.
        assert f'| {name} ' in log_text.text
        row = next(line for line in log_text.text.splitlines()
                   if line.startswith(f'| {name} '))
        assert row.split('|')[2].strip() == str(expected), row


def test_stock_metric_misnames_reordered_categories(tmp_path):
    """What StrictCocoMetric fixes: the stock metric follows file order."""
    ann_file = _annotation_file(tmp_path, tuple(reversed(CUSTOM27_CLASSES)),
                                lambda i: 1000 - 7 * i)
    stock = CocoMetric(ann_file=ann_file, metric='bbox')
    results = _evaluate(stock, _FOUND, dict(classes=CUSTOM27_CLASSES))
    assert results['coco/bbox_mAP'] < 0.1


def test_subset_of_classes_and_explicit_file(tmp_path):
    ann_file = _annotation_file(tmp_path, tuple(reversed(CUSTOM27_CLASSES)),
                                lambda i: 1000 - 7 * i)
    classes = ('square_dot', 'circle_plain')  # labels 0, 1 -> classes 4, 0
    metric = StrictCocoMetric(ann_file=ann_file, metric='bbox', classwise=True)
    metric.dataset_meta = dict(classes=classes)
    assert metric.label_cat_ids == [1000 - 7 * 4, 1000]
    metric.process({}, [
        dict(
            img_id=10,
            ori_shape=(_SIDE, _SIDE),
            pred_instances=dict(
                bboxes=torch.tensor([[x, y, x + w, y + h]
                                     for x, y, w, h in map(_box, (4, 0))]),
                scores=torch.ones(2),
                labels=torch.tensor([0, 1])))
    ] + _samples([])[1:])
    results = metric.evaluate(size=_IMAGES)
    assert results['coco/bbox_mAP'] == 1.0


def test_class_missing_from_the_file(tmp_path):
    ann_file = _annotation_file(tmp_path, CUSTOM27_CLASSES[1:],
                                lambda i: i + 1)
    metric = StrictCocoMetric(metric='bbox')
    with pytest.raises(
            ValueError,
            match=r"instances_val\.json.*missing.*"
            r"\['circle_plain'\]"):
        metric.dataset_meta = dict(classes=CUSTOM27_CLASSES, ann_file=ann_file)
