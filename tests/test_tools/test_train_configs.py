"""Every ``_custom27`` config (Faster R-CNN with each backbone of the
package and the plain ResNets, RetinaNet and Cascade R-CNN with three of
them) and the GroupNorm flagship train 2 iterations through
``tools/train.py`` on the tiny split, validate, and write a checkpoint that
holds their attention layers (:func:`conftest.trained_custom27`)."""
import json

import pytest
import torch
from tool_runner import (COMPILED_FLAGSHIP, CONFIG_DIR, GROUP_NORM_FLAGSHIP,
                         assert_trained)

#: Per config, a fragment of the backbone parameter names its checkpoint
#: must hold (its attention layers, or the trunk of a plain ResNet).
BACKBONE_KEYS = {
    'faster_rcnn_attn_r18_custom27': 'layer1_attention.gate.psi.conv',
    'faster_rcnn_attn_r18_original_custom27': 'layer1_attention.gate.theta.bn',
    'faster_rcnn_attn_r18_nonlocal_custom27':
    'layer4_attention.non_local.conv_out.conv',
    'faster_rcnn_se_r50_custom27': 'layer1.0.se_layer.conv1.conv',
    'faster_rcnn_cbam_r50_custom27': 'layer4.2.cbam.channel_gate.mlp.0',
    'faster_rcnn_sam_r50_custom27': 'layer2.3.sam.fc',
    'faster_rcnn_eca_r50_custom27': 'layer3.5.eca.conv',
    'faster_rcnn_r50_custom27': 'layer3.5.conv3',
    'faster_rcnn_r18_custom27': 'layer4.1.conv2',
    'faster_rcnn_ran56_custom27': 'mask_head',
    'faster_rcnn_ran92_custom27': 'mask_head',
    'faster_rcnn_cspmirrornet_fpn_custom27': 'blocks.0.dense',
    'faster_rcnn_cspmirrornet_pafpn_custom27': 'blocks.0.dense',
    'retinanet_attn_r18_custom27': 'layer2_attention.gate.psi.conv',
    'retinanet_cbam_r50_custom27': 'layer4.2.cbam.channel_gate.mlp.0',
    'retinanet_se_r50_custom27': 'layer1.0.se_layer.conv1.conv',
    'cascade_rcnn_attn_r18_custom27': 'layer1_attention.gate.psi.conv',
    'cascade_rcnn_cbam_r50_custom27': 'layer4.2.cbam.channel_gate.mlp.0',
    'cascade_rcnn_se_r50_custom27': 'layer1.0.se_layer.conv1.conv',
    GROUP_NORM_FLAGSHIP: 'layer1_attention.gate.psi.gn',
}


def test_every_custom27_config_is_trained():
    assert sorted(p.stem for p in CONFIG_DIR.glob('*_custom27.py')) == sorted(
        set(BACKBONE_KEYS) - {GROUP_NORM_FLAGSHIP})


def _state_dict(trained_custom27, config):
    work_dir = trained_custom27[config]
    assert_trained(work_dir)
    checkpoint = torch.load(
        work_dir / 'epoch_1.pth', map_location='cpu', weights_only=False)
    meta = checkpoint['meta']
    assert (meta['epoch'], meta['iter']) == (1, 2)
    return checkpoint['state_dict']


@pytest.mark.parametrize('config', BACKBONE_KEYS)
def test_trains_two_iterations_and_validates(config, trained_custom27):
    state = _state_dict(trained_custom27, config)
    backbone = {k: v for k, v in state.items() if k.startswith('backbone.')}
    assert any(BACKBONE_KEYS[config] in k for k in backbone), sorted(backbone)
    for name, value in backbone.items():
        assert torch.isfinite(value).all(), name

    scalars = sorted(trained_custom27[config].glob('*/vis_data/scalars.json'))
    records = [
        json.loads(line) for line in scalars[-1].read_text().splitlines()
    ]
    assert any('loss' in r for r in records)
    assert 'coco/bbox_mAP' in records[-1]


def test_group_norm_everywhere_in_the_flagship_backbone(trained_custom27):
    backbone = [
        k for k in _state_dict(trained_custom27, GROUP_NORM_FLAGSHIP)
        if k.startswith('backbone.')
    ]
    assert 'backbone.layer1.0.gn1.weight' in backbone
    assert 'backbone.layer1_attention.gate.psi.gn.weight' in backbone
    assert not any('running_mean' in k for k in backbone)


def test_flagship_trains_through_mmengine_compile(trained_custom27):
    """MMEngine's ``compile`` option wraps ``train_step`` in
    ``torch.compile``; the iteration runs, graph breaks in the detector's
    heads included, and the checkpoint is written."""
    work_dir = trained_custom27[COMPILED_FLAGSHIP]
    assert_trained(work_dir)
    log = next(work_dir.glob('*/*.log')).read_text()
    assert 'Model has been "compiled"' in log
    assert "compile = dict(backend='eager')" in log
    checkpoint = torch.load(
        work_dir / 'epoch_1.pth', map_location='cpu', weights_only=False)
    assert (checkpoint['meta']['epoch'], checkpoint['meta']['iter']) == (1, 1)
    state = checkpoint['state_dict']
    assert 'backbone.layer1_attention.gate.psi.conv.weight' in state
    assert all(
        torch.isfinite(v).all() for v in state.values()
        if v.is_floating_point())
