"""tools/misc/zoo_table.py: the README zoo table from the published cost
and accuracy tables, and its picture rule."""
import json

import cv2
import numpy as np
from tool_runner import run_python_tool


def test_zoo_table_rows_and_picture_rule(tmp_path):
    vis = tmp_path / 'vis' / 'faster_rcnn_cbam_r50_custom27'
    vis.mkdir(parents=True)
    maps = [
        dict(
            kind='spatial',
            name='backbone.layer1.0.cbam',
            file='a.png',
            min=0.4,
            max=0.6),
        dict(
            kind='spatial',
            name='backbone.layer2.1.cbam',
            file='b.png',
            min=0.1,
            max=0.9),
        dict(kind='gradcam', name='gradcam', file='c.png', min=0, max=1),
    ]
    (vis / 'maps.json').write_text(json.dumps(dict(maps=maps)))
    for value, name in ((50, 'a.png'), (200, 'b.png'), (100, 'c.png')):
        cv2.imwrite(str(vis / name), np.full((40, 60, 3), value, np.uint8))

    proc = run_python_tool('misc/zoo_table.py', '--vis-dir',
                           str(tmp_path / 'vis'), '--pictures',
                           str(tmp_path / 'pictures'))
    assert proc.returncode == 0, proc.stderr
    rows = [
        line for line in proc.stdout.splitlines()
        if line.startswith('| `faster_rcnn_')
    ]
    assert len(rows) == 12
    cbam = next(r for r in rows if r.startswith('| `faster_rcnn_cbam_r50.py`'))
    # The widest-range spatial map, at half size.
    assert 'layer2.1.cbam' in cbam and '(vs ResNet-50)' in cbam
    thumb = cv2.imread(str(tmp_path / 'pictures' / 'faster_rcnn_cbam_r50.png'))
    assert thumb.shape == (20, 30, 3) and thumb.mean() == 200
    # Rows without visualiser output have no picture.
    assert all(r.endswith('| - |') for r in rows if r is not cbam)
