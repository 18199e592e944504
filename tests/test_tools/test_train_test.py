"""End to end through tools/: train, test, resume, and the checkpoint
allow-list, on a tiny generated split (8 train images, batch 4: 2 iterations
an epoch), from the flagship trained by :func:`conftest.trained_attn_r18`."""
import json
import os
import pickle
import shutil

import numpy as np
import pytest
import torch
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from tool_runner import CONFIG_DIR, data_options, run_python_tool

from mmdet_attn.datasets import CUSTOM27_CLASSES
from mmdet_attn.utils import checkpoint_safe_globals

FLAGSHIP = CONFIG_DIR / 'faster_rcnn_attn_r18_custom27.py'


def _train(work_dir, data_root, *extra, epochs):
    # No validation: these runs check where training resumes.
    return run_python_tool('train.py', str(FLAGSHIP), '--work-dir',
                           str(work_dir), '--cfg-options',
                           *data_options(data_root),
                           f'train_cfg.max_epochs={epochs}',
                           f'train_cfg.val_begin={epochs + 1}', *extra)


def _assert_ok(proc):
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]


def _load(path):
    with checkpoint_safe_globals():
        return torch.load(path, map_location='cpu')


def _reverse_val_categories(data_root):
    """List the val categories in reverse, with gapped descending ids."""
    path = data_root / 'annotations' / 'instances_val.json'
    data = json.loads(path.read_text())
    name_of = {c['id']: c['name'] for c in data['categories']}
    new_id = {name: 1000 - 7 * i for i, name in enumerate(CUSTOM27_CLASSES)}
    data['categories'] = [
        dict(id=new_id[name], name=name) for name in reversed(CUSTOM27_CLASSES)
    ]
    for ann in data['annotations']:
        ann['category_id'] = new_id[name_of[ann['category_id']]]
    path.write_text(json.dumps(data))
    return path, new_id


@pytest.fixture(scope='module')
def tested(trained_attn_r18, tiny_custom27, tmp_path_factory):
    """``tools/test.py`` on the trained flagship and a copy of the tiny split
    whose val categories are listed in reverse with other ids: its output,
    predictions (``--out``), metrics, detections file and the val file with
    its name -> id map."""
    tmp_path = tmp_path_factory.mktemp('tested')
    root = tmp_path / 'data'
    shutil.copytree(tiny_custom27, root)
    val_file, new_id = _reverse_val_categories(root)
    out, prefix = tmp_path / 'preds.pkl', tmp_path / 'dets'
    # After 2 warm-up iterations no class scores above the default 0.05.
    proc = run_python_tool('test.py', str(FLAGSHIP),
                           str(trained_attn_r18 / 'epoch_1.pth'), '--work-dir',
                           str(tmp_path / 'work'), '--out', str(out),
                           '--cfg-options', *data_options(root),
                           'model.test_cfg.rcnn.score_thr=0.0',
                           f'test_evaluator.outfile_prefix={prefix}')
    _assert_ok(proc)
    with open(out, 'rb') as f:
        predictions = pickle.load(f)
    metrics = [
        json.loads(p.read_text()) for p in (tmp_path / 'work').rglob('*.json')
    ]
    return dict(
        log=proc.stdout + proc.stderr,
        predictions=predictions,
        metrics=[m for m in metrics if 'coco/bbox_mAP' in m],
        detections=json.loads((tmp_path / 'dets.bbox.json').read_text()),
        val_file=val_file,
        new_id=new_id)


def test_train_two_iterations_then_test(trained_attn_r18, tested):
    meta = _load(trained_attn_r18 / 'epoch_1.pth')['meta']
    assert (meta['epoch'], meta['iter']) == (1, 2)
    # The COCO report with per-class AP is printed.
    assert 'Average Precision  (AP) @[ IoU=0.50:0.95' in tested['log']
    assert 'circle_plain' in tested['log']
    assert len(tested['predictions']) == 4
    assert len(tested['metrics']) == 1


def test_package_ap_equals_pycocotools_by_name(tested):
    metrics, new_id = tested['metrics'][0], tested['new_id']

    # Independent: each label -> its class name -> that name's id in the
    # val file, then pycocotools.
    detections = []
    for prediction in tested['predictions']:
        instances = prediction['pred_instances']
        for box, score, label in zip(instances['bboxes'].tolist(),
                                     instances['scores'].tolist(),
                                     instances['labels'].tolist()):
            detections.append(
                dict(
                    image_id=prediction['img_id'],
                    bbox=[box[0], box[1], box[2] - box[0], box[3] - box[1]],
                    score=score,
                    category_id=new_id[CUSTOM27_CLASSES[label]]))
    assert detections, 'no prediction to evaluate'
    ground_truth = COCO(str(tested['val_file']))
    evaluation = COCOeval(ground_truth, ground_truth.loadRes(detections),
                          'bbox')
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()

    # The package wrote the same detections, with the same category ids.
    assert [(d['image_id'], d['category_id']) for d in tested['detections']
            ] == [(d['image_id'], d['category_id']) for d in detections]
    keys = ('mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l')
    for index, key in enumerate(keys):
        assert metrics[f'coco/bbox_{key}'] == round(evaluation.stats[index],
                                                    3), key
    # Per class (NaN for a class absent from the 4 val images).
    precision = evaluation.eval['precision']
    for name in CUSTOM27_CLASSES:
        k = evaluation.params.catIds.index(new_id[name])
        values = precision[:, :, k, 0, -1]
        values = values[values > -1]
        expected = round(float(values.mean()), 3) if values.size else np.nan
        np.testing.assert_equal(
            metrics[f'coco/{name}_precision'], expected, err_msg=name)


def test_resume_continues_at_the_right_epoch(trained_attn_r18, tiny_custom27,
                                             tmp_path):
    first = trained_attn_r18 / 'epoch_1.pth'
    # --resume CKPT: continues with epoch 2, iterations 3-4.
    proc = _train(tmp_path, tiny_custom27, '--resume', str(first), epochs=2)
    _assert_ok(proc)
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 1, iter: 2' in log
    assert 'Epoch(train) [1]' not in log, 'epoch 1 was trained again'
    assert 'Epoch(train) [2]' in log
    final = _load(tmp_path / 'epoch_2.pth')
    assert (final['meta']['epoch'], final['meta']['iter']) == (2, 4)

    # --resume alone: the latest checkpoint of the work dir (epoch 2).
    proc = _train(tmp_path, tiny_custom27, '--resume', epochs=3)
    _assert_ok(proc)
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 2, iter: 4' in log
    assert 'Epoch(train) [2]' not in log
    final = _load(tmp_path / 'epoch_3.pth')
    assert (final['meta']['epoch'], final['meta']['iter']) == (3, 6)


def test_resume_restores_optimizer_state(trained_attn_r18, tiny_custom27,
                                         tmp_path):
    from mmengine.runner import Runner

    from mmdet_attn.utils import load_run_config

    options = dict(o.split('=', 1) for o in data_options(tiny_custom27))
    options.update({k: 0 for k in options if k.endswith('num_workers')})
    options.update(
        {k: False
         for k in options if k.endswith('persistent_workers')})
    cfg = load_run_config(str(FLAGSHIP), options, str(tmp_path))
    cfg.resume = True
    cfg.load_from = str(trained_attn_r18 / 'epoch_1.pth')
    runner = Runner.from_cfg(cfg)
    with checkpoint_safe_globals():
        runner.load_or_resume()
    assert (runner.epoch, runner.iter) == (1, 2)
    saved = _load(trained_attn_r18 / 'epoch_1.pth')['optimizer']
    restored = runner.optim_wrapper.optimizer.state_dict()
    assert len(restored['state']) == len(saved['state']) > 0
    for key, state in saved['state'].items():
        assert set(restored['state'][key]) == set(state)
        for name, value in state.items():
            torch.testing.assert_close(restored['state'][key][name], value)


class _Payload:
    """An arbitrary class: unpickling it would run attacker-chosen code."""

    def __reduce__(self):
        return (os.getcwd, ())


class _GetattrPayload:
    """Reaches for an attribute through the getattr a HistoryBuffer needs."""

    def __reduce__(self):
        return (getattr, (np.ndarray, 'tofile'))


def _with_payload(work_dir, payload, tmp_path):
    """A real checkpoint with ``payload`` pickled into its meta."""
    ckpt = _load(work_dir / 'epoch_1.pth')
    ckpt['meta']['payload'] = payload
    path = tmp_path / 'with_payload.pth'
    torch.save(ckpt, path)
    return path


def test_history_buffer_getattr_is_narrow(trained_attn_r18, tmp_path):
    ckpt = _load(trained_attn_r18 / 'epoch_1.pth')
    buffer = ckpt['message_hub']['log_scalars']['train/loss']
    assert buffer.mean() == pytest.approx(buffer.data[0].mean())

    evil = _with_payload(trained_attn_r18, _GetattrPayload(), tmp_path)
    with checkpoint_safe_globals(), pytest.raises(
            pickle.UnpicklingError, match='tofile'):
        torch.load(evil, map_location='cpu')


def test_checkpoint_with_arbitrary_global_is_refused(trained_attn_r18,
                                                     tiny_custom27, tmp_path):
    evil = _with_payload(trained_attn_r18, _Payload(), tmp_path)
    with checkpoint_safe_globals(), pytest.raises(
            pickle.UnpicklingError, match='getcwd'):
        torch.load(evil, map_location='cpu')

    proc = run_python_tool('test.py', str(FLAGSHIP), str(evil), '--work-dir',
                           str(tmp_path), '--cfg-options',
                           *data_options(tiny_custom27))
    assert proc.returncode != 0
    assert 'Weights only load failed' in proc.stderr
    assert 'getcwd' in proc.stderr
