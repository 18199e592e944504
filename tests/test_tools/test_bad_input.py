"""Bad input given to the tools fails early with a message that names the
file or key at fault. One case runs ``tools/train.py`` as a command (the
message ends its error output); the others call its ``main`` here."""
import json
import re
import shutil
import sys

import pytest
import torch
from mmengine.config import Config
from tool_runner import (BASELINE_CUSTOM27, data_options, load_tool,
                         run_python_tool)

from mmdet_attn.utils import check_cfg_option_keys


def _train_args(data_root, *extra):
    return [
        str(BASELINE_CUSTOM27), '--work-dir',
        str(data_root / 'work'), '--cfg-options', *data_options(data_root),
        'train_cfg.max_epochs=1', *extra
    ]


@pytest.fixture
def train(monkeypatch):
    """``tools/train.py``'s ``main`` on the baseline and ``data_root``."""
    tool = load_tool('train.py')

    def main(data_root, *extra):
        monkeypatch.setattr(sys, 'argv',
                            ['train.py', *_train_args(data_root, *extra)])
        tool.main()

    return main


@pytest.fixture
def data_copy(tiny_custom27, tmp_path):
    root = tmp_path / 'data'
    shutil.copytree(tiny_custom27, root)
    return root


def _rewrite_train_annotations(root, edit):
    path = root / 'annotations' / 'instances_train.json'
    content = json.loads(path.read_text())
    edit(content)
    path.write_text(json.dumps(content))
    return path


def test_missing_annotation_file(data_copy, train):
    path = data_copy / 'annotations' / 'instances_train.json'
    path.unlink()
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        train(data_copy)


def _unknown_category(content):
    content['annotations'][0]['category_id'] = 99


def _no_images(content):
    content['images'] = []
    content['annotations'] = []


@pytest.mark.parametrize('edit, fragment', [(_unknown_category, '99'),
                                            (_no_images, 'no images')])
def test_bad_annotation_file_is_named(data_copy, edit, fragment, train):
    path = _rewrite_train_annotations(data_copy, edit)
    with pytest.raises(ValueError) as info:
        train(data_copy)
    assert str(path) in str(info.value)
    assert fragment in str(info.value)


def test_unknown_cfg_option_key_is_named(tiny_custom27):
    proc = run_python_tool(
        'train.py', *_train_args(tiny_custom27, 'train_cfg.max_epoch=3'))
    assert proc.returncode != 0
    assert "'train_cfg.max_epoch'" in proc.stderr
    assert 'max_epochs' in proc.stderr  # the suggestion
    # Rejected before anything is built or trained.
    assert 'Epoch(train)' not in proc.stdout + proc.stderr


@pytest.mark.parametrize('key, fragment', [
    ('model.backbone.dept', "has no key 'dept'"),
    ('model.roi_head.bbox_head.num_class', "Did you mean ['num_classes']"),
    ('optim_wrapper.optimizer.lrr', "has no key 'lrr'"),
    ('train_dataloader.dataset.pipeline.9.type', 'is a list of 5 items'),
    ('train_cfg.max_epochs.value', "is a int"),
    ('nonexistent_top_level', "the config has no key"),
])
def test_check_cfg_option_keys_rejects(key, fragment):
    cfg = Config.fromfile(str(BASELINE_CUSTOM27))
    with pytest.raises(KeyError) as info:
        check_cfg_option_keys(cfg, {key: 1})
    assert fragment in str(info.value)
    assert repr(key) in str(info.value)


@pytest.mark.parametrize(
    'key',
    [
        'train_cfg.max_epochs',
        'model.backbone.with_cp',  # a ResNet argument absent from the config
        'model.backbone.init_cfg.checkpoint',  # below a None value
        'train_dataloader.dataset.pipeline.2.scale',
        'randomness',  # a Runner argument
        'optim_wrapper.optimizer.amsgrad',  # an AdamW argument
    ])
def test_check_cfg_option_keys_accepts(key):
    cfg = Config.fromfile(str(BASELINE_CUSTOM27))
    check_cfg_option_keys(cfg, {key: 1})


@pytest.mark.skipif(
    torch.cuda.is_available(), reason='with a GPU, --amp is valid')
def test_amp_without_gpu_is_a_clear_error(tiny_custom27, train):
    with pytest.raises(SystemExit, match='--amp needs a GPU'):
        train(tiny_custom27, '--amp')
