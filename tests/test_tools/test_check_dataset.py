"""tools/misc/check_dataset.py: every image read, every bad file listed."""
import importlib.util
import json
import re
import shutil
from collections import Counter

import cv2
import numpy as np
from tool_runner import BASELINE_CUSTOM27, REPO_ROOT, run_python_tool

TOOL = REPO_ROOT / 'tools' / 'misc' / 'check_dataset.py'


def _val_counts(data_root):
    """Instances per class name in the val split, and the file's names."""
    annotations = json.loads(
        (data_root / 'annotations' / 'instances_val.json').read_text())
    name_of = {c['id']: c['name'] for c in annotations['categories']}
    return Counter(name_of[a['category_id']]
                   for a in annotations['annotations']), name_of.values()


def _options(data_root, classes):
    # The 4 tiny val images lack some classes: check the classes they have.
    return [
        '--cfg-options', f'data_root={data_root}/',
        f'classes=({",".join(classes)},)'
    ]


def test_clean_split_passes(tiny_custom27, capsys):
    counts, names = _val_counts(tiny_custom27)
    classes = sorted(counts, reverse=True)  # labels follow this order
    # In this process, one reader: the parallel path runs in the test below.
    spec = importlib.util.spec_from_file_location('check_dataset', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    code = tool.main([
        str(BASELINE_CUSTOM27), '--split', 'val', '--nproc', '1',
        *_options(tiny_custom27, classes)
    ])
    out = capsys.readouterr().out
    assert code == 0, out
    assert 'No problem found in 4 images.' in out
    for label, name in enumerate(classes):
        assert re.search(rf'^\s+{label}\s+{name}\s+{counts[name]}\s+\d+$', out,
                         re.M), name
    ignored = sorted(set(names) - set(classes))
    assert f'(their 0 instances are ignored): {ignored}' in out


def test_every_bad_file_is_listed(tiny_custom27, tmp_path):
    root = tmp_path / 'data'
    shutil.copytree(tiny_custom27, root)
    val = root / 'val'
    truncated = val / '000000.png'
    truncated.write_bytes(truncated.read_bytes()[:200])
    (val / '000001.png').unlink()
    cv2.imwrite(str(val / '000002.png'), np.zeros((50, 70, 3), np.uint8))
    ann_path = root / 'annotations' / 'instances_val.json'
    data = json.loads(ann_path.read_text())
    last = [
        a for a in data['annotations']
        if a['image_id'] == data['images'][3]['id']
    ]
    last[0]['bbox'] = [120.0, 10.0, 20.0, 20.0]  # 128 px wide image
    last[1]['bbox'][2] = 0.0
    ann_path.write_text(json.dumps(data))

    proc = run_python_tool('misc/check_dataset.py', str(BASELINE_CUSTOM27),
                           '--split', 'val', '--nproc', '2',
                           *_options(root,
                                     _val_counts(root)[0]))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert '5 problem(s) in 4 file(s)' in out
    assert f'{truncated}: unreadable' in out
    assert f'{val / "000001.png"}: missing' in out
    assert (f'{val / "000002.png"}: size 70x50 (w x h), the annotation file '
            'says 128x128') in out
    assert re.search(
        rf'{val / "000003.png"}: annotation id {last[0]["id"]} '
        r'\(\w+\): box \[120\.0, 10\.0, 20\.0, 20\.0\] reaches '
        r'outside the 128x128 image', out)
    assert re.search(
        rf'{val / "000003.png"}: annotation id {last[1]["id"]} '
        r'\(\w+\): empty box', out)
