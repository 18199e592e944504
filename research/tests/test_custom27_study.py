"""research/custom27_study.py end to end on a tiny split: two
configs x two seeds, resumption, and a failing run. The first launch runs
the tool as a command; the later ones call its ``main`` in this process
(they train nothing, or one run that fails at once)."""
import json
import sys

import pytest
from research_runner import load_script, run_script
from tool_runner import CONFIG_DIR, data_options

STUDY = 'custom27_study.py'
CONFIGS = [
    str(CONFIG_DIR / 'faster_rcnn_r18_custom27.py'),
    str(CONFIG_DIR / 'faster_rcnn_attn_r18_custom27.py')
]


def _study_args(work_dir, data_root, *args, options=()):
    # 4 training images: one iteration, in one epoch; validation on 2
    # images with score_thr 0, so that the untrained detector has
    # detections to evaluate.
    return [
        *args, '--work-dir',
        str(work_dir), '--cfg-options', *data_options(data_root),
        'train_dataloader.dataset.indices=4', 'train_cfg.max_epochs=1',
        'val_dataloader.dataset.indices=2',
        'model.test_cfg.rcnn.score_thr=0.0', *options
    ]


def _study(work_dir, data_root, *args, options=()):
    return run_script(
        STUDY, *_study_args(work_dir, data_root, *args, options=options))


@pytest.fixture
def study_main(monkeypatch):
    """The tool's ``main``, called here with a command line."""
    tool = load_script(STUDY)

    def main(*args):
        monkeypatch.setattr(sys, 'argv', [STUDY, *args])
        tool.main()

    return main


def test_study_trains_every_seed_tabulates_and_resumes(tiny_custom27, tmp_path,
                                                       study_main, capsys):
    out = tmp_path / 'table.md'
    proc = _study(tmp_path, tiny_custom27, *CONFIGS, '--seeds', '3', '4',
                  '--out', str(out))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert '[4/4]' in proc.stdout

    results = json.loads((tmp_path / 'results.json').read_text())
    assert len(results['rare_classes']) == 9
    runs = {(r['config'], r['seed']): r for r in results['runs']}
    assert set(runs) == {(c, s) for c in CONFIGS for s in (3, 4)}
    for run in runs.values():
        assert 0 <= run['mAP'] <= 1 and 0 <= run['AP50'] <= 1
    # Each run trained its own model under its seed.
    for config in CONFIGS:
        for seed in (3, 4):
            log = (tmp_path / config.split('/')[-1][:-3] / f'seed{seed}' /
                   'study_train.log').read_text()
            assert f'seed: {seed}' in log.replace("'", '')
            assert 'Epoch(train) [1][1/1]' in log

    table = out.read_text()
    assert table == (tmp_path / 'study.md').read_text()
    rows = [line for line in table.splitlines() if line.startswith('| fast')]
    assert len(rows) == 2
    assert rows[0].startswith('| faster_rcnn_r18_custom27 | ResNet-18 |')
    assert '| baseline |' in rows[0]
    assert rows[1].startswith(
        '| faster_rcnn_attn_r18_custom27 | GatedECAResNet-18 |')
    assert '| faster_rcnn_r18_custom27 |' in rows[1]
    assert any(v in rows[1] for v in ('better', 'worse', 'within spread'))
    # min/run is the median of the recorded run times (here of 2 runs).
    for row, config in zip(rows, CONFIGS):
        minutes = sorted(runs[config, s]['minutes'] for s in (3, 4))
        assert row.endswith(f'| {sum(minutes) / 2:.1f} |')

    # A second launch finds every run done and trains nothing.
    logs = sorted(tmp_path.glob('*/seed*/study_train.log'))
    stamps = [p.stat().st_mtime_ns for p in logs]
    study_main(
        *_study_args(tmp_path, tiny_custom27, *CONFIGS, '--seeds', '3', '4'))
    assert [p.stat().st_mtime_ns for p in logs] == stamps
    assert len(list(tmp_path.glob('*/seed*/2*'))) == 4

    # --report-only with a seed not run: tabulates the 4 runs, trains none.
    capsys.readouterr()
    study_main(*_study_args(tmp_path, tiny_custom27, *CONFIGS, '--seeds', '3',
                            '4', '9', '--report-only'))
    report = capsys.readouterr().out
    assert not (tmp_path / 'faster_rcnn_r18_custom27' / 'seed9').exists()
    assert '4 of 6 runs finished' in report
    rows = [line for line in report.splitlines() if line.startswith('| fast')]
    assert all(' | 2 | ' in row for row in rows)
    assert len(json.loads(
        (tmp_path / 'results.json').read_text())['runs']) == 4


def test_study_reports_a_failed_run_with_its_log(tiny_custom27, tmp_path,
                                                 study_main):
    with pytest.raises(SystemExit) as exit_info:
        study_main(*_study_args(
            tmp_path,
            tiny_custom27,
            CONFIGS[0],
            '--seeds',
            '0',
            '--jobs',
            '1',
            options=['model.backbone.depth=19']))
    message = str(exit_info.value.code)
    assert 'runs failed: faster_rcnn_r18_custom27 seed 0: exit code' in message
    log = tmp_path / 'faster_rcnn_r18_custom27' / 'seed0' / 'study_train.log'
    assert str(log) in message
    assert 'invalid depth 19' in log.read_text()


def test_study_refuses_a_repeated_seed(tmp_path, study_main, capsys):
    with pytest.raises(SystemExit) as exit_info:
        study_main(CONFIGS[0], '--seeds', '1', '1', '--work-dir',
                   str(tmp_path))
    assert exit_info.value.code == 2
    assert 'repeats a seed' in capsys.readouterr().err
