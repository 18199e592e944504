"""Reading and summarising a multi-seed study (research/seed_study.py)."""
import json
import math
import os
import time

import pytest
import seed_study
from seed_study import (compare, launch_training, mean_std, rarest_classes,
                        read_val_metrics, run_summary, run_time)


def _write_scalars(run_dir, stamp, records):
    vis = run_dir / stamp / 'vis_data'
    vis.mkdir(parents=True)
    (vis /
     'scalars.json').write_text('\n'.join(json.dumps(r)
                                          for r in records) + '\n')


def test_read_val_metrics_takes_the_last_validation_of_the_last_launch(
        tmp_path):
    assert read_val_metrics(str(tmp_path)) is None
    _write_scalars(tmp_path, '20260101_000000', [
        dict(loss=1.0, step=1),
        {
            'coco/bbox_mAP': 0.1,
            'coco/bbox_mAP_50': 0.2,
            'step': 1
        },
    ])
    # A later launch that stopped before validating is skipped.
    _write_scalars(tmp_path, '20260102_000000', [dict(loss=0.5, step=1)])
    assert read_val_metrics(str(tmp_path)) == {
        'coco/bbox_mAP': 0.1,
        'coco/bbox_mAP_50': 0.2
    }
    _write_scalars(tmp_path, '20260103_000000', [
        {
            'coco/bbox_mAP': 0.3,
            'coco/bbox_mAP_50': 0.4,
            'step': 1
        },
        dict(loss=0.2, step=2),
        {
            'coco/bbox_mAP': 0.5,
            'coco/bbox_mAP_50': 0.6,
            'step': 2
        },
    ])
    assert read_val_metrics(str(tmp_path))['coco/bbox_mAP'] == 0.5


def test_rarest_classes_counts_annotations_and_breaks_ties_by_id(tmp_path):
    ann = tmp_path / 'train.json'
    categories = [dict(id=i, name=n) for i, n in enumerate('abcd', 1)]
    # a: 3, b: 1, c: 0, d: 1 annotations.
    annotations = [dict(category_id=c) for c in (1, 1, 1, 2, 4)]
    ann.write_text(
        json.dumps(dict(categories=categories, annotations=annotations)))
    assert rarest_classes(str(ann), 3) == ['c', 'b', 'd']


def test_run_summary_averages_rare_classes_that_have_an_ap():
    metrics = {
        'coco/bbox_mAP': 0.4,
        'coco/bbox_mAP_50': 0.6,
        'coco/a_precision': 0.2,
        'coco/b_precision': math.nan,  # absent from the val split
        'coco/c_precision': 0.4,
    }
    summary = run_summary(metrics, ['a', 'b', 'c'])
    assert summary['mAP'] == 0.4 and summary['AP50'] == 0.6
    assert summary['rare_mAP'] == pytest.approx(0.3)
    assert math.isnan(run_summary(metrics, ['b'])['rare_mAP'])
    with pytest.raises(KeyError, match='classwise=True'):
        run_summary(metrics, ['a', 'z'])


def test_mean_std_is_the_sample_std():
    stats = mean_std([0.1, 0.2, 0.3])
    assert stats['mean'] == pytest.approx(0.2)
    assert stats['std'] == pytest.approx(0.1)
    assert mean_std([0.5]) == dict(mean=0.5, std=0.0)
    assert math.isnan(mean_std([0.1, math.nan])['mean'])


@pytest.mark.parametrize('variant, verdict', [
    (dict(mean=0.50, std=0.01), 'better'),
    (dict(mean=0.43, std=0.01), 'within spread'),
    (dict(mean=0.45, std=0.05), 'within spread'),
    (dict(mean=0.30, std=0.01), 'worse'),
])
def test_compare_needs_the_intervals_to_separate(variant, verdict):
    baseline = dict(mean=0.40, std=0.02)
    assert compare(variant, baseline) == verdict


def _fake_train_tool(tmp_path, body):
    tool = tmp_path / 'repo' / 'tools' / 'train.py'
    tool.parent.mkdir(parents=True)
    tool.write_text(body)
    return tool


def test_launch_records_the_process_cpu_time_not_the_clock(tmp_path):
    # Busy for about 0.3 s of CPU, then asleep for 0.5 s: CPU < wall.
    tool = _fake_train_tool(
        tmp_path, 'import sys, time\n'
        'end = time.process_time() + 0.3\n'
        'while time.process_time() < end:\n'
        '    pass\n'
        'time.sleep(0.5)\n'
        'sys.exit("--resume" in sys.argv)\n')
    run_dir = tmp_path / 'run'
    assert launch_training(tool, 'cfg.py', run_dir, [], 1)[1] == ''
    # A second launch (a resume) that fails is recorded too.
    (run_dir / 'last_checkpoint').write_text('x')
    seconds, error = launch_training(tool, 'cfg.py', run_dir, [], 1)
    assert error.startswith('exit code 1')
    launches = [
        json.loads(line)
        for line in (run_dir / seed_study.LAUNCH_LOG).read_text().splitlines()
    ]
    assert [launch['exit_code'] for launch in launches] == [0, 1]
    for launch in launches:
        assert 0.25 < launch['cpu_seconds'] < launch['wall_seconds']
        assert launch['wall_seconds'] > 0.75
    total = run_time(run_dir)
    assert total['launches'] == 2
    assert total['cpu_seconds'] == pytest.approx(
        sum(launch['cpu_seconds'] for launch in launches))


def test_interrupted_launch_leaves_no_training_behind(tmp_path, monkeypatch):
    tool = _fake_train_tool(
        tmp_path, 'import os, time\n'
        f'open({str(tmp_path / "pid")!r}, "w").write(str(os.getpid()))\n'
        'time.sleep(60)\n')

    def interrupted_wait4(pid, options):
        while not (tmp_path / 'pid').exists():
            time.sleep(0.05)
        raise KeyboardInterrupt

    monkeypatch.setattr(seed_study.os, 'wait4', interrupted_wait4)
    with pytest.raises(KeyboardInterrupt):
        launch_training(tool, 'cfg.py', tmp_path / 'run', [], 1)
    monkeypatch.undo()
    pid = int((tmp_path / 'pid').read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
