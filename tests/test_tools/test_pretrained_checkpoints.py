"""A COCO config's pretrained checkpoint is fetched or checked before the
run builds anything, with one message naming the ways on."""
import pytest
import torch
from mmengine.config import Config
from tool_runner import CONFIG_DIR, run_python_tool

from mmdet_attn.utils import (fetch_pretrained_checkpoints,
                              pretrained_checkpoints)
from mmdet_attn.utils.pretrained import hub_cache_path

#: Nothing listens on the discard port of this machine: refused at once.
UNREACHABLE = 'http://127.0.0.1:9/models/resnet18-f37072fd.pth'


def test_offline_run_stops_before_training_with_the_ways_on(tmp_path):
    result = run_python_tool(
        'train.py',
        str(CONFIG_DIR / 'faster_rcnn_r18.py'),
        '--work-dir',
        str(tmp_path / 'work'),
        '--cfg-options',
        f'model.backbone.init_cfg.checkpoint={UNREACHABLE}',
        env=dict(TORCH_HOME=str(tmp_path / 'torch')))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f'cannot download the pretrained checkpoint {UNREACHABLE}' in output
    assert ('--cfg-options model.backbone.init_cfg.checkpoint='
            '/path/to/resnet18-f37072fd.pth') in output
    assert '--cfg-options model.backbone.init_cfg=None' in output
    assert 'Traceback' not in output
    assert not (tmp_path / 'work').exists()  # stopped before the runner


def test_missing_pretraining_output_names_the_pretraining_configs():
    cfg = Config.fromfile(str(CONFIG_DIR / 'faster_rcnn_ran56.py'))
    with pytest.raises(SystemExit) as error:
        fetch_pretrained_checkpoints(cfg)
    message = str(error.value)
    assert message.startswith('model.backbone.init_cfg: the pretrained '
                              'checkpoint work_dirs/ran56_in1k/epoch_100.pth '
                              'does not exist')
    assert 'configs/pretrain/' in message
    assert '--cfg-options model.backbone.init_cfg=None' in message


def test_cached_checkpoint_is_not_fetched_again(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    cached = hub_cache_path(UNREACHABLE)
    assert cached.startswith(str(tmp_path))
    (tmp_path / 'hub' / 'checkpoints').mkdir(parents=True)
    torch.save({}, cached)
    cfg = Config(
        dict(
            model=dict(
                backbone=dict(
                    init_cfg=dict(type='Pretrained',
                                  checkpoint=UNREACHABLE)))))
    fetch_pretrained_checkpoints(cfg)  # no download, so no error


def test_pretrained_checkpoints_lists_nested_and_list_init_cfgs():
    cfg = dict(
        backbone=dict(init_cfg=[
            dict(type='Kaiming', layer='Conv2d'),
            dict(type='Pretrained', checkpoint='a.pth')
        ]),
        neck=dict(init_cfg=dict(type='Pretrained', checkpoint='b.pth')),
        head=dict(init_cfg=None))
    assert pretrained_checkpoints(cfg, 'model') == [
        ('model.backbone.init_cfg.1', 'a.pth'),
        ('model.neck.init_cfg', 'b.pth'),
    ]


@pytest.mark.parametrize(
    'checkpoint', ['torchvision://resnet18', 'open-mmlab://resnet50_caffe'])
def test_model_zoo_prefixes_are_left_to_mmengine(checkpoint):
    cfg = Config(
        dict(
            model=dict(
                backbone=dict(
                    init_cfg=dict(type='Pretrained', checkpoint=checkpoint)))))
    fetch_pretrained_checkpoints(cfg)
