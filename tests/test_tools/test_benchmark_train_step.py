"""tools/analysis_tools/benchmark_train_step.py: each detector against its
plain twin, and one tiny run end to end."""
import argparse
import sys

import torch
from tool_runner import REPO_ROOT, load_tool

TOOL = 'analysis_tools/benchmark_train_step.py'


def test_twin_is_the_detector_with_the_plain_resnet(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    tool = load_tool(TOOL)
    model, twin = tool.detector_cfgs('configs/faster_rcnn_eca_r50d_timm.py',
                                     None)
    assert model.backbone.type == 'AttentionResNet'
    assert model.backbone.init_cfg is None
    assert twin.backbone.type == 'ResNet' and twin.backbone.depth == 50
    assert twin.backbone.deep_stem and twin.backbone.avg_down
    assert (twin.backbone.frozen_stages, twin.backbone.norm_eval) == (1, True)
    assert twin.neck == model.neck and twin.roi_head == model.roi_head


def test_twin_neck_takes_the_resnet_widths(monkeypatch):
    """CSPMirrorNet53's stages are half as wide as ResNet-50's: the twin's
    FPN takes ResNet-50's widths and its detector runs a step."""
    monkeypatch.chdir(REPO_ROOT)
    tool = load_tool(TOOL)
    model, twin = tool.detector_cfgs('configs/faster_rcnn_cspmirrornet_fpn.py',
                                     None)
    assert model.neck.in_channels == [128, 256, 512, 1024]
    assert twin.neck.in_channels == [256, 512, 1024, 2048]
    args = argparse.Namespace(batch=1, size=[64, 64])
    step = tool.train_step(*tool.build(twin, args, torch.device('cpu')))
    step()


def test_default_configs_are_the_coco_faster_rcnns(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.setattr(sys, 'argv', ['benchmark_train_step.py'])
    configs = load_tool(TOOL).parse_args().configs
    assert 'configs/faster_rcnn_cbam_r50.py' in configs
    assert not any(c.endswith(('_custom27.py', '_trees.py')) for c in configs)


def test_tiny_run_writes_the_table(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.setattr(sys, 'argv', [
        'benchmark_train_step.py', 'configs/faster_rcnn_r18_custom27.py',
        '--repeats', '1', '--warmup', '0', '--batch', '1', '--size', '64',
        '64', '--out-dir',
        str(tmp_path)
    ])
    load_tool(TOOL).main()
    table = (tmp_path / 'train_step.md').read_text()
    row, = [ln for ln in table.splitlines() if 'r18_custom27' in ln]
    cells = [c.strip() for c in row.strip('|').split('|')]
    assert cells[1] == 'ResNet-18'
    assert float(cells[2]) > 0 and float(cells[3]) > 0
