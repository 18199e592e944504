"""research/zoo_table.py: the README zoo table from the published cost
and accuracy tables, and its picture rule."""
import argparse
import json

import cv2
import numpy as np
from research_runner import load_script, run_script


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

    proc = run_script('zoo_table.py', '--vis-dir', str(tmp_path / 'vis'),
                      '--pictures', str(tmp_path / 'pictures'))
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


def test_pretrained_regime_table_from_the_study_report(tmp_path, monkeypatch):
    """The study's own report (custom27 complete for two variants, trees
    for the plain one and one seed of the other) becomes one row per
    variant with its arm, the paired difference, its interval and verdict,
    'pending' where too few seeds ran and '-' where the variant does not
    run (the second arm on trees)."""
    study = load_script('pretrained_study.py')
    monkeypatch.setattr(study, 'rare_classes', lambda args: ['circle_plain'])
    args = argparse.Namespace(
        seeds=[0, 1, 2],
        variants=['r18', 'attn_r18', 'attn_r18_pretrained'],
        datasets=['custom27', 'trees'],
        jobs=1,
        schedule='schedule.py',
        iters=dict(custom27=600, trees=200))
    runs = {}
    for seed in args.seeds:
        for dataset, variant, value in (('custom27', 'r18',
                                         0.30), ('custom27', 'attn_r18', 0.35),
                                        ('custom27', 'attn_r18_pretrained',
                                         0.31), ('trees', 'r18', 0.05)):
            runs[f'{dataset}/{variant}/seed{seed}'] = dict(
                minutes=1.,
                metrics={
                    'coco/bbox_mAP': value + 0.01 * seed * (value > 0.32),
                    'coco/bbox_mAP_50': value,
                    'coco/circle_plain_precision': value
                })
    runs['trees/attn_r18/seed0'] = dict(
        minutes=1., metrics={
            'coco/bbox_mAP': 0.07,
            'coco/bbox_mAP_50': 0.1
        })
    report = tmp_path / 'results.md'
    report.write_text(study.report(args, runs))

    proc = run_script('zoo_table.py', '--pretrained-study', str(report),
                      '--vis-dir', str(tmp_path / 'vis'), '--pictures',
                      str(tmp_path / 'pictures'))
    assert proc.returncode == 0, proc.stderr
    rows = {
        line.split('|')[1].strip(): [c.strip() for c in line.split('|')[2:-1]]
        for line in proc.stdout.split('Pretrained regime')[1].splitlines()
        if line.startswith('| `')
    }
    assert set(rows) == {'`r18`', '`attn_r18`', '`attn_r18_pretrained`'}
    label, arm, c27_map, c27_delta, trees_map, trees_delta = rows['`attn_r18`']
    assert label == 'ECA + Attention-Gate ResNet-18'
    assert arm == study.VARIANTS['attn_r18']['arm']
    assert c27_map == '0.360 ± 0.010'
    assert c27_delta.startswith('+0.060 [') and 'helps (vs r18)' in c27_delta
    assert (trees_map,
            trees_delta) == ('0.070',
                             '+0.020 (vs r18, one seed: interval pending)')
    assert rows['`r18`'][2:] == ['0.300 ± 0.000', '-', '0.050 ± 0.000', '-']
    arm, c27_map, c27_delta, *trees = rows['`attn_r18_pretrained`'][1:]
    assert arm == study.VARIANTS['attn_r18_pretrained']['arm'] != rows[
        '`attn_r18`'][1]
    assert c27_map == '0.310 ± 0.000' and '(vs r18)' in c27_delta
    assert trees == ['-', '-']
