"""tools/dataset_converters/deepforest_trees.py on a stand-in wheel: small
images and VOC boxes under the real names (no network)."""
import json
import zipfile
from pathlib import Path

import cv2
import pytest
from deepforest_wheel import write_wheel
from tool_runner import load_tool, run_python_tool

TOOL = 'dataset_converters/deepforest_trees.py'


@pytest.fixture(scope='module')
def wheel(tmp_path_factory) -> Path:
    return write_wheel(tmp_path_factory.mktemp('wheel'))


@pytest.fixture(scope='module')
def trees(wheel, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('trees')
    result = run_python_tool(TOOL, str(out), '--wheel', str(wheel),
                             '--tile-size', '64')
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_splits_hold_their_images_only(trees):
    train = json.loads(
        (trees / 'annotations/instances_train.json').read_text())
    val = json.loads((trees / 'annotations/instances_val.json').read_text())
    train_sources = {i['file_name'].rsplit('_', 2)[0] for i in train['images']}
    val_sources = {i['file_name'].rsplit('_', 2)[0] for i in val['images']}
    assert train_sources == {
        '2019_YELL_2_528000_4978000_image_crop2', 'OSBS_029'
    }
    assert val_sources == {'2019_YELL_2_541000_4977000_image_crop'}
    assert train['categories'] == val['categories'] == [
        dict(id=1, name='tree')
    ]
    # 100x150 in 64 px tiles: 2 rows x 3 columns; 64x64: one tile.
    assert len(train['images']) == 2 * 3 + 1
    for coco, split in ((train, 'train'), (val, 'val')):
        for image in coco['images']:
            pixels = cv2.imread(str(trees / split / image['file_name']))
            assert pixels.shape == (image['height'], image['width'],
                                    3) == (64, 64, 3)
    source = json.loads((trees / 'source.json').read_text())
    assert source['wheel'] == 'deepforest-2.1.0-py3-none-any.whl'
    assert len(source['sha256']) == 64


def test_boxes_are_clipped_to_tiles_and_kept_by_visible_area(trees):
    train = json.loads(
        (trees / 'annotations/instances_train.json').read_text())
    by_name = {i['id']: i['file_name'] for i in train['images']}
    boxes = {}
    for ann in train['annotations']:
        boxes.setdefault(by_name[ann['image_id']], []).append(ann['bbox'])
    for image in train['images']:
        for x, y, w, h in boxes.get(image['file_name'], []):
            assert 0 <= x and 0 <= y and w > 0 and h > 0
            assert x + w <= image['width'] and y + h <= image['height']
    crop2 = '2019_YELL_2_528000_4978000_image_crop2'
    # Columns start at 0, 43, 86 (3 tiles spread over 150 px), rows at 0, 36.
    # The box (55, 20)-(75, 40) lies wholly in the tile at x=43 and is cut
    # by the tiles at x=0 (9 of 20 px: under half, dropped) and x=86 (none).
    assert [55 - 43, 20, 20, 20] in boxes[f'{crop2}_43_0.png']
    assert all(b[0] + b[2] <= 64 for b in boxes.get(f'{crop2}_0_0.png', []))
    assert [9, 20, 9, 20] not in boxes[f'{crop2}_0_0.png']
    # (120, 70)-(140, 95) at x=86, y=36: wholly inside, moved to the tile.
    assert [120 - 86, 70 - 36, 20, 25] in boxes[f'{crop2}_86_36.png']


def test_tile_origins_cover_each_side_evenly():
    tool = load_tool(TOOL)
    assert tool.tile_origins(400, 400) == [0]
    assert tool.tile_origins(50, 400) == [0]
    assert tool.tile_origins(1249, 400) == [0, 283, 566, 849]
    for length in (401, 799, 800, 1035, 2472):
        origins = tool.tile_origins(length, 400)
        assert origins[0] == 0 and origins[-1] + 400 == length
        assert all(b - a <= 400 for a, b in zip(origins, origins[1:]))


def test_a_wheel_without_the_images_is_refused(tmp_path):
    wheel = tmp_path / 'deepforest-2.1.0-py3-none-any.whl'
    with zipfile.ZipFile(wheel, 'w') as z:
        z.writestr('deepforest/__init__.py', '')
    result = run_python_tool(TOOL, str(tmp_path / 'out'), '--wheel',
                             str(wheel))
    assert result.returncode != 0
    assert ('has no deepforest/data/2019_YELL_2_528000_4978000_image_crop2'
            '.png') in result.stdout + result.stderr
