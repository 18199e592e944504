"""Class counts checked against every head, and data_root / classes
resolved after --cfg-options."""
import json
import os.path as osp
import re
import shutil

import mmdet
import pytest
from mmengine.config import Config
from tool_runner import BASELINE_CUSTOM27, data_options, run_python_tool

from mmdet_attn.datasets import CUSTOM27_CLASSES
from mmdet_attn.utils import (build_runner, check_num_classes, dataset_classes,
                              head_num_classes, load_run_config)

# MMDetection's own configs, as its wheel ships them.
MMDET_CONFIGS = osp.join(osp.dirname(mmdet.__file__), '.mim', 'configs')
CASCADE = osp.join(MMDET_CONFIGS, 'cascade_rcnn',
                   'cascade-rcnn_r50_fpn_1x_coco.py')
RETINANET = osp.join(MMDET_CONFIGS, 'retinanet',
                     'retinanet_r50_fpn_1x_coco.py')


def test_heads_found_rpn_excluded():
    cfg = Config.fromfile(str(BASELINE_CUSTOM27))
    assert head_num_classes(cfg.model) == [
        ('model.roi_head.bbox_head.num_classes', 27)
    ]
    cascade = Config.fromfile(CASCADE)
    assert head_num_classes(cascade.model) == [
        (f'model.roi_head.bbox_head.{i}.num_classes', 80) for i in range(3)
    ]
    assert head_num_classes(Config.fromfile(RETINANET).model) == [
        ('model.bbox_head.num_classes', 80)
    ]


def test_dataset_classes():
    cfg = Config.fromfile(str(BASELINE_CUSTOM27))
    assert dataset_classes(cfg.val_dataloader.dataset) == CUSTOM27_CLASSES
    # No metainfo: the type's own classes (COCO's 80); wrappers unwrap.
    coco = Config.fromfile(RETINANET).train_dataloader.dataset
    assert len(dataset_classes(coco)) == 80
    assert dataset_classes(dict(type='RepeatDataset', times=2,
                                dataset=coco)) == dataset_classes(coco)


@pytest.mark.parametrize(
    'config, key, count', [
        (str(BASELINE_CUSTOM27), 'model.roi_head.bbox_head.num_classes', 26),
        (str(BASELINE_CUSTOM27), 'model.roi_head.bbox_head.num_classes', 28),
        (CASCADE, 'model.roi_head.bbox_head.1.num_classes', 79),
        (RETINANET, 'model.bbox_head.num_classes', 81),
    ],
    ids=['too-few', 'too-many', 'cascade-list', 'single-stage'])
def test_num_classes_mismatch_is_named(config, key, count):
    cfg = Config.fromfile(config)
    check_num_classes(cfg)  # the configs as shipped agree
    expected = len(dataset_classes(cfg.train_dataloader.dataset))
    cfg.merge_from_dict({key: count})
    with pytest.raises(ValueError) as info:
        check_num_classes(cfg)
    message = str(info.value)
    assert f'has {expected} classes' in message
    assert f'{key} is {count}' in message
    assert f'--cfg-options {key}={expected}' in message


def test_tools_stop_before_building(tiny_custom27, tmp_path):
    options = dict(o.split('=', 1) for o in data_options(tiny_custom27))
    options['model.roi_head.bbox_head.num_classes'] = 13
    cfg = load_run_config(str(BASELINE_CUSTOM27), options, str(tmp_path))
    with pytest.raises(ValueError) as info:
        build_runner(cfg)  # what tools/train.py and tools/test.py call
    assert str(info.value).startswith(
        'train_dataloader.dataset has 27 classes (circle_plain, circle_dot, '
        'circle_bar, square_plain, square_dot, ...), but '
        'model.roi_head.bbox_head.num_classes is 13')
    assert 'model.roi_head.bbox_head.num_classes=27' in str(info.value)
    assert not list(tmp_path.iterdir()), 'something was built'


def _one_class_copy(source, root, name='shape', category_id=7):
    """The synthetic data with every object of one class ``name``."""
    shutil.copytree(source, root)
    for split in ('train', 'val'):
        path = root / 'annotations' / f'instances_{split}.json'
        data = json.loads(path.read_text())
        data['categories'] = [dict(id=category_id, name=name)]
        for ann in data['annotations']:
            ann['category_id'] = category_id
        path.write_text(json.dumps(data))
    return root


def test_data_root_alone_repoints_everything(tiny_custom27, tmp_path):
    root = _one_class_copy(tiny_custom27, tmp_path / 'one')
    cfg = load_run_config(str(BASELINE_CUSTOM27), {'data_root': f'{root}/'})
    for loader in ('train', 'val', 'test'):
        dataset = cfg[f'{loader}_dataloader'].dataset
        assert dataset.data_root == f'{root}/'
        assert dataset.metainfo.classes == ('shape', )
    assert cfg.model.roi_head.bbox_head.num_classes == 1
    assert cfg.classes == ('shape', )
    # The evaluator reads the dataset's file: nothing to repoint there.
    assert 'ann_file' not in cfg.val_evaluator
    check_num_classes(cfg)


def test_classes_option_and_explicit_keys_win(tiny_custom27):
    cfg = load_run_config(
        str(BASELINE_CUSTOM27), {
            'data_root': f'{tiny_custom27}/',
            'classes': ('square_dot', 'circle_plain'),
            'test_dataloader.dataset.data_root': '/elsewhere/'
        })
    assert cfg.train_dataloader.dataset.metainfo.classes == ('square_dot',
                                                             'circle_plain')
    assert cfg.model.roi_head.bbox_head.num_classes == 2
    assert cfg.val_dataloader.dataset.data_root == f'{tiny_custom27}/'
    assert cfg.test_dataloader.dataset.data_root == '/elsewhere/'


def test_data_root_of_a_coco_config_moves_its_evaluator():
    cfg = load_run_config(RETINANET, {'data_root': '/data/coco2017/'})
    assert cfg.val_dataloader.dataset.data_root == '/data/coco2017/'
    assert cfg.val_evaluator.ann_file == (
        '/data/coco2017/annotations/instances_val2017.json')
    # No classes of its own: the heads keep COCO's 80.
    assert cfg.model.bbox_head.num_classes == 80


def test_data_root_without_training_annotations(tmp_path):
    with pytest.raises(
            FileNotFoundError, match=r'instances_train\.json.*classes='):
        load_run_config(str(BASELINE_CUSTOM27), {'data_root': str(tmp_path)})


def test_one_key_trains_a_one_class_dataset(tiny_custom27, tmp_path):
    """README's end-to-end example: one --cfg-options key, 1 class."""
    import torch

    from mmdet_attn.utils import checkpoint_safe_globals

    root = _one_class_copy(tiny_custom27, tmp_path / 'one')
    proc = run_python_tool('train.py', str(BASELINE_CUSTOM27), '--work-dir',
                           str(tmp_path / 'work'), '--cfg-options',
                           *data_options(root), 'train_cfg.max_epochs=1',
                           'train_cfg.val_interval=1')
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    log = proc.stdout + proc.stderr
    assert (f'classes from {root}/annotations/instances_train.json: '
            "['shape']") in log
    # Validation ran against the 1-class val file; its table has the class.
    assert re.search(r'^\| shape +\| [-\d.na]+ +\|', log, re.M), log[-3000:]
    with checkpoint_safe_globals():
        ckpt = torch.load(
            tmp_path / 'work' / 'epoch_1.pth', map_location='cpu')
    assert ckpt['meta']['dataset_meta']['classes'] == ('shape', )
    # One class plus background.
    assert ckpt['state_dict']['roi_head.bbox_head.fc_cls.weight'].shape[0] \
        == 2
