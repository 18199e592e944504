"""Grad-CAM of the top box and the report, on untrained custom27 detectors
(built in-process; the trained models run through the tool in
tests/test_tools/test_vis_attention.py)."""
import json

import mmcv
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmengine.registry import init_default_scope
from tool_runner import CONFIG_DIR

from mmdet_attn.utils import load_run_config
from mmdet_attn.visualization import (Detection, box_class_logit,
                                      check_two_stage, grad_cam, prepare_image,
                                      top_detection, write_attention_report)


def _detector(config: str) -> nn.Module:
    cfg = load_run_config(str(CONFIG_DIR / config))
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.cfg = cfg
    model.dataset_meta = dict(classes=cfg.metainfo['classes'])
    return model.eval()


@pytest.fixture(scope='module')
def attn_r18():
    return _detector('faster_rcnn_attn_r18_custom27.py')


@pytest.fixture(scope='module')
def image(tiny_custom27):
    return mmcv.imread(str(next((tiny_custom27 / 'val').glob('*.png'))))


@pytest.fixture(scope='module')
def prepared(attn_r18, image):
    inputs, data_samples = prepare_image(attn_r18, image)
    return inputs, data_samples, top_detection(attn_r18, inputs, data_samples)


def test_prepare_image_resizes_as_the_test_pipeline(prepared, image):
    inputs, data_samples, _ = prepared
    meta = data_samples[0].metainfo
    assert meta['ori_shape'] == image.shape[:2] == (128, 128)
    assert meta['img_shape'] == (192, 192)  # custom27's test Resize
    assert tuple(inputs.shape) == (1, 3, *meta['batch_input_shape'])


def test_top_detection_ignores_the_score_threshold(attn_r18, prepared):
    inputs, data_samples, detection = prepared
    assert detection is not None
    assert attn_r18.roi_head.test_cfg.score_thr == 0.05, 'not restored'
    # Untrained: nothing reaches the config's threshold, but a box is given.
    with torch.no_grad():
        results = attn_r18.predict(inputs, data_samples, rescale=False)
    assert len(results[0].pred_instances) == 0
    x1, y1, x2, y2 = detection.box.tolist()
    assert 0 <= x1 <= x2 <= 192 and 0 <= y1 <= y2 <= 192
    assert 0 < detection.score < 0.05 and 0 <= detection.label < 27


@pytest.mark.parametrize('layer, grid', [('backbone', (6, 6)),
                                         ('backbone.layer3', (12, 12))])
def test_grad_cam_is_normalised_on_the_layer_grid(attn_r18, prepared, layer,
                                                  grid):
    inputs, _, detection = prepared
    cam = grad_cam(attn_r18, inputs, detection, layer)
    assert (cam.layer, tuple(cam.cam.shape)) == (layer, grid)
    assert cam.cam.min() >= 0 and cam.cam.max() == pytest.approx(1)
    assert not any(p.grad is not None for p in attn_r18.parameters())
    with torch.no_grad():
        logit = box_class_logit(attn_r18, attn_r18.extract_feat(inputs),
                                detection)
    assert cam.logit == pytest.approx(float(logit), rel=1e-5)


def test_grad_cam_formula_on_a_hooked_layer(attn_r18, prepared):
    """Independent route: retain_grad on the deepest backbone output."""
    inputs, _, detection = prepared
    with torch.enable_grad():
        feats = attn_r18.backbone(inputs)
        deepest = feats[-1]
        deepest.retain_grad()
        logit = box_class_logit(attn_r18, attn_r18.neck(feats), detection)
        logit.backward()
    attn_r18.zero_grad(set_to_none=True)
    expected = torch.relu((deepest.grad[0].mean(
        (1, 2))[:, None, None] * deepest[0]).sum(0))
    expected = (expected / expected.max()).detach()
    cam = grad_cam(attn_r18, inputs, detection)
    torch.testing.assert_close(cam.cam, expected, rtol=1e-4, atol=1e-5)


def test_grad_cam_errors(attn_r18, prepared):
    inputs, _, detection = prepared
    with pytest.raises(KeyError, match="'backbone.layer9' is not a module"):
        grad_cam(attn_r18, inputs, detection, 'backbone.layer9')
    with pytest.raises(ValueError, match="'roi_head' must output"):
        grad_cam(attn_r18, inputs, detection, 'roi_head')
    with pytest.raises(TypeError, match='two-stage detector'):
        check_two_stage(nn.Linear(2, 2))
    with pytest.raises(TypeError, match='two-stage detector'):
        top_detection(nn.Linear(2, 2), inputs, [])


def test_report_of_an_attention_backbone(attn_r18, image, tmp_path):
    summary = write_attention_report(
        attn_r18, image, str(tmp_path), save_arrays=True)
    assert json.loads((tmp_path / 'maps.json').read_text()) == summary
    kinds = {(m['name'], m['kind']) for m in summary['maps']}
    for stage in range(1, 5):
        assert (f'backbone.layer{stage}_attention.gate', 'spatial') in kinds
        assert (f'backbone.layer{stage}_attention.eca', 'channel') in kinds
    assert ('gradcam', 'gradcam') in kinds and len(kinds) == 9
    assert summary['notes'] == []
    assert summary['maps'][-1]['class_name'] in attn_r18.dataset_meta[
        'classes']
    arrays = dict(np.load(tmp_path / 'maps.npz'))
    assert len(arrays) == 9
    for record in summary['maps']:
        values = arrays[record['file'][:-len('.png')]]
        assert list(values.shape) == record['shape']
        assert values.min() == record['min'] and values.max() == record['max']
        assert (tmp_path / record['file']).is_file()


def test_report_of_a_plain_resnet_is_grad_cam_only(image, tmp_path):
    model = _detector('faster_rcnn_r18_custom27.py')
    summary = write_attention_report(model, image, str(tmp_path))
    assert [m['kind'] for m in summary['maps']] == ['gradcam']
    assert summary['attention_layers'] == []
    assert summary['notes'] == [
        'ResNet has no attention gate of mmdet_attn: no attention maps, '
        'Grad-CAM only'
    ]
    assert sorted(p.name
                  for p in tmp_path.iterdir()) == ['gradcam.png', 'maps.json']


def test_report_without_any_box(attn_r18, image, tmp_path, monkeypatch):
    predict = attn_r18.predict

    def no_box(*args, **kwargs):
        results = predict(*args, **kwargs)
        results[0].pred_instances = results[0].pred_instances[:0]
        return results

    monkeypatch.setattr(attn_r18, 'predict', no_box)
    summary = write_attention_report(attn_r18, image, str(tmp_path))
    assert summary['detection'] is None
    assert 'gradcam' not in {m['kind'] for m in summary['maps']}
    assert len(summary['maps']) == 8
    assert summary['notes'] == [
        'the detector returned no box for this image, even with the score '
        'threshold at 0: no Grad-CAM'
    ]
    assert not (tmp_path / 'gradcam.png').exists()


def test_report_notes_a_grad_cam_without_positive_evidence(
        attn_r18, image, tmp_path, monkeypatch):
    """A Grad-CAM that ReLU zeroes everywhere is drawn and explained."""
    from mmdet_attn.visualization import report

    def zero_cam(*args, **kwargs):
        cam = grad_cam(*args, **kwargs)
        cam.cam = torch.zeros_like(cam.cam)
        return cam

    monkeypatch.setattr(report, 'grad_cam', zero_cam)
    summary = write_attention_report(attn_r18, image, str(tmp_path))
    cam = {m['kind']: m for m in summary['maps']}['gradcam']
    assert (cam['min'], cam['max']) == (0, 0)
    assert (tmp_path / 'gradcam.png').exists()
    note, = summary['notes']
    assert "at 'backbone' is zero everywhere" in note
    assert '--cam-layer' in note


def test_detection_box_is_used_as_given(attn_r18, prepared):
    """The RoI is the box itself: a different box, a different logit."""
    inputs, _, detection = prepared
    moved = Detection(
        torch.tensor([0., 0., 40., 40.]), detection.label, detection.score)
    with torch.no_grad():
        feats = attn_r18.extract_feat(inputs)
        logits = [
            float(box_class_logit(attn_r18, feats, d))
            for d in (detection, moved)
        ]
    assert logits[0] != logits[1]
