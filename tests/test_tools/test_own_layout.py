"""A user's own 1-class COCO set whose annotation files are not named
``instances_*.json``: with ``data_root=`` and explicit ``ann_file`` keys,
the classes come from the explicit training file, in every tool."""
import copy
import json
import re
import shutil

import pytest
import torch
from mmengine.config import Config
from tool_runner import (BASELINE_CUSTOM27, data_options, load_tool,
                         run_python_tool)

from mmdet_attn.utils import (apply_dataset_variables, checkpoint_safe_globals,
                              load_run_config)

#: The class and category id of the user's set; custom27 has neither.
TREE, TREE_ID = 'Tree', 3
ANN_FILES = {
    'train_dataloader.dataset.ann_file': 'annotations/train.json',
    'val_dataloader.dataset.ann_file': 'annotations/val.json',
    'test_dataloader.dataset.ann_file': 'annotations/val.json',
}


@pytest.fixture(scope='module')
def tree_root(tiny_custom27, tmp_path_factory):
    """The tiny synthetic split with every object a 'Tree', annotated in
    ``annotations/train.json`` and ``annotations/val.json`` only."""
    root = tmp_path_factory.mktemp('own_layout') / 'trees'
    shutil.copytree(tiny_custom27, root)
    for split in ('train', 'val'):
        default = root / 'annotations' / f'instances_{split}.json'
        data = json.loads(default.read_text())
        data['categories'] = [dict(id=TREE_ID, name=TREE)]
        for ann in data['annotations']:
            ann['category_id'] = TREE_ID
        (root / 'annotations' / f'{split}.json').write_text(json.dumps(data))
        default.unlink()
    return root


def _options(root):
    """docs/own_data.md's keys: the data root and the three annotation
    files (plus data loaded in the main process)."""
    return [*data_options(root), *(f'{k}={v}' for k, v in ANN_FILES.items())]


def _classes_line(root):
    return (f'data_root={root}/: classes from {root}/annotations/train.json: '
            f"['{TREE}']")


@pytest.fixture(scope='module')
def trained_trees(tree_root, tmp_path_factory):
    """``tools/train.py`` on :func:`tree_root`, 2 iterations of 1 image,
    then a validation on 1 image: the work dir and the run's output."""
    work_dir = tmp_path_factory.mktemp('own_layout_work')
    proc = run_python_tool(
        'train.py', str(BASELINE_CUSTOM27), '--work-dir', str(work_dir),
        '--cfg-options', *_options(tree_root), 'train_dataloader.batch_size=1',
        'train_dataloader.dataset.indices=2',
        'val_dataloader.dataset.indices=1', 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1', 'model.test_cfg.rcnn.score_thr=0.0',
        'default_hooks.checkpoint.save_optimizer=False')
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return work_dir, proc.stdout + proc.stderr


def test_config_reads_the_explicit_training_file(tree_root):
    cfg = load_run_config(
        str(BASELINE_CUSTOM27), {
            'data_root': f'{tree_root}/',
            **ANN_FILES
        })
    for loader in ('train', 'val', 'test'):
        assert cfg[f'{loader}_dataloader'].dataset.metainfo.classes == (TREE, )
    assert cfg.model.roi_head.bbox_head.num_classes == 1
    assert cfg.test_dataloader.dataset.ann_file == 'annotations/val.json'


def test_classes_list_wins_over_the_file(tree_root):
    cfg = load_run_config(
        str(BASELINE_CUSTOM27), {
            'data_root': f'{tree_root}/',
            'classes': ('Bush', TREE),
            **ANN_FILES
        })
    assert cfg.train_dataloader.dataset.metainfo.classes == ('Bush', TREE)
    assert cfg.model.roi_head.bbox_head.num_classes == 2


def test_training_data_root_key_wins(tree_root, tiny_custom27):
    """The file is the training dataset's own ``data_root`` joined with its
    ``ann_file``, both as the options leave them."""
    cfg = load_run_config(
        str(BASELINE_CUSTOM27), {
            'data_root': f'{tiny_custom27}/',
            'train_dataloader.dataset.data_root': f'{tree_root}/',
            'train_dataloader.dataset.ann_file': 'annotations/train.json'
        })
    assert cfg.classes == (TREE, )
    assert cfg.val_dataloader.dataset.data_root == f'{tiny_custom27}/'


def test_missing_file_names_its_key(tree_root):
    with pytest.raises(FileNotFoundError) as info:
        load_run_config(str(BASELINE_CUSTOM27), {'data_root': f'{tree_root}/'})
    message = str(info.value)
    assert ("train_dataloader.dataset.ann_file='annotations/instances_train"
            ".json', which does not exist: "
            f"'{tree_root}/annotations/instances_train.json'") in message
    assert 'classes="(name_1,name_2)"' in message
    with pytest.raises(
            FileNotFoundError,
            match=r"ann_file='annotations/"
            r"trian\.json', which does not exist"):
        load_run_config(
            str(BASELINE_CUSTOM27), {
                'data_root': f'{tree_root}/',
                'train_dataloader.dataset.ann_file': 'annotations/trian.json'
            })


def test_wrapped_training_dataset(tree_root):
    cfg = Config.fromfile(str(BASELINE_CUSTOM27))
    cfg.train_dataloader.dataset = dict(
        type='RepeatDataset', times=2, dataset=cfg.train_dataloader.dataset)
    with pytest.raises(
            FileNotFoundError,
            match=r"train_dataloader\.dataset\.dataset\.ann_file='"):
        apply_dataset_variables(
            copy.deepcopy(cfg), {'data_root': f'{tree_root}/'})
    options = {
        'data_root': f'{tree_root}/',
        'train_dataloader.dataset.dataset.ann_file': 'annotations/train.json'
    }
    apply_dataset_variables(cfg, options)
    assert cfg.train_dataloader.dataset.dataset.metainfo.classes == (TREE, )
    assert cfg.model.roi_head.bbox_head.num_classes == 1


def test_train(trained_trees, tree_root):
    work_dir, log = trained_trees
    assert _classes_line(tree_root) in log
    # Validated against annotations/val.json: its table has the class.
    assert re.search(rf'^\| {TREE} +\| [-\d.na]+ +\|', log, re.M), log[-3000:]
    with checkpoint_safe_globals():
        ckpt = torch.load(work_dir / 'epoch_1.pth', map_location='cpu')
    assert ckpt['meta']['dataset_meta']['classes'] == (TREE, )
    # One class plus background.
    assert ckpt['state_dict']['roi_head.bbox_head.fc_cls.weight'].shape[0] \
        == 2


def test_test(trained_trees, tree_root, tmp_path):
    work_dir, _ = trained_trees
    proc = run_python_tool('test.py', str(BASELINE_CUSTOM27),
                           str(work_dir / 'epoch_1.pth'), '--work-dir',
                           str(tmp_path), '--cfg-options',
                           *_options(tree_root),
                           'model.test_cfg.rcnn.score_thr=0.0')
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    log = proc.stdout + proc.stderr
    assert _classes_line(tree_root) in log
    assert re.search(rf'^\| {TREE} +\| [-\d.na]+ +\|', log, re.M), log[-3000:]


def test_infer(trained_trees, tree_root, tmp_path):
    work_dir, _ = trained_trees
    ann_file = tree_root / 'annotations' / 'val.json'
    load_tool('infer.py').main([
        str(BASELINE_CUSTOM27),
        str(work_dir / 'epoch_1.pth'),
        str(tree_root / 'val' / '000000.png'), '--out-dir',
        str(tmp_path), '--score-thr', '0', '--ann-file',
        str(ann_file), '--cfg-options', *_options(tree_root)
    ])
    results = json.loads((tmp_path / 'results.json').read_text())
    assert results, 'with --score-thr 0 a trained model gives boxes'
    assert {(r['category_id'], r['category_name'])
            for r in results} == {(TREE_ID, TREE)}


def test_check_dataset(tree_root, capsys):
    annotations = json.loads(
        (tree_root / 'annotations' / 'val.json').read_text())['annotations']
    images = {ann['image_id'] for ann in annotations}
    code = load_tool('misc/check_dataset.py').main([
        str(BASELINE_CUSTOM27), '--split', 'val', '--nproc', '1',
        '--cfg-options', *_options(tree_root)
    ])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f'annotation file: {tree_root}/annotations/val.json' in out
    assert re.search(rf'^\s+0\s+{TREE}\s+{len(annotations)}\s+{len(images)}$',
                     out, re.M), out
    assert 'No problem found in 4 images.' in out
