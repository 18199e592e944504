"""``tools/infer.py`` on the synthetic val images with a briefly trained
model: drawn images, one COCO results file that pycocotools evaluates, and
clear errors for bad inputs."""
import importlib.util
import json

import mmcv
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from tool_runner import CONFIG_DIR, REPO_ROOT, run_python_tool

CONFIG = CONFIG_DIR / 'faster_rcnn_attn_r18_custom27.py'


def test_folder_to_drawn_images_and_coco_results(trained_attn_r18,
                                                 tiny_custom27, tmp_path):
    ann_file = tiny_custom27 / 'annotations' / 'instances_val.json'
    proc = run_python_tool('infer.py', str(CONFIG),
                           str(trained_attn_r18 / 'epoch_1.pth'),
                           str(tiny_custom27 / 'val'), '--out-dir',
                           str(tmp_path), '--score-thr', '0', '--batch-size',
                           '2', '--ann-file', str(ann_file))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert 'in 4 image(s)' in proc.stdout
    assert 'Inference' in proc.stdout + proc.stderr  # the progress bar

    images = sorted((tiny_custom27 / 'val').glob('*.png'))
    for image in images:
        drawn = mmcv.imread(str(tmp_path / 'vis' / image.name))
        assert drawn.shape == mmcv.imread(str(image)).shape

    results = json.loads((tmp_path / 'results.json').read_text())
    assert results, 'with --score-thr 0 a trained model gives boxes'
    coco = COCO(str(ann_file))
    ids = {
        img['file_name'].split('/')[-1]: img['id']
        for img in coco.dataset['images']
    }
    names = {c['id']: c['name'] for c in coco.dataset['categories']}
    for det in results:
        assert det['image_id'] == ids[det['file_name']]
        assert names[det['category_id']] == det['category_name']
        x, y, w, h = det['bbox']
        assert w >= 0 and h >= 0 and x >= 0 and y >= 0
        assert x + w <= 128.01 and y + h <= 128.01  # 128 px images
        assert 0 <= det['score'] <= 1
    detections = coco.loadRes(results)
    assert len(detections.getAnnIds()) == len(results)
    evaluator = COCOeval(coco, detections, 'bbox')
    evaluator.evaluate()
    evaluator.accumulate()
    evaluator.summarize()
    assert 0 <= evaluator.stats[0] <= 1


def _infer_tool():
    spec = importlib.util.spec_from_file_location(
        'infer_tool', REPO_ROOT / 'tools' / 'infer.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inputs_image_folder_glob(tiny_custom27, tmp_path):
    find_images = _infer_tool().find_images
    val = tiny_custom27 / 'val'
    images = sorted(str(p) for p in val.glob('*.png'))
    assert find_images(str(val)) == images
    assert find_images(images[0]) == images[:1]
    assert find_images(str(val / '00000[01].png')) == images[:2]
    with pytest.raises(SystemExit, match='no such image, folder or glob'):
        find_images(str(val / '*.jpg'))
    (tmp_path / 'notes.txt').write_text('not an image')
    with pytest.raises(SystemExit, match='not images'):
        find_images(str(tmp_path / '*'))
