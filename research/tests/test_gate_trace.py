"""research/gate_trace.py: each attention map's mean at every training
iteration of a detector."""
import math

import gate_trace
import pytest
from tool_runner import CONFIG_DIR, REPO_ROOT, data_options


def test_gate_trace_records_every_map_at_every_iteration(
        tiny_custom27, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    out = tmp_path / 'trace.md'
    rows = gate_trace.main([
        str(CONFIG_DIR / 'faster_rcnn_attn_r18_custom27.py'), '--iters', '3',
        '--every', '2', '--work-dir',
        str(tmp_path / 'run'), '--out',
        str(out), '--cfg-options', *data_options(tiny_custom27)
    ])
    assert [row['iter'] for row in rows] == [1, 2, 3]
    maps = [
        f'layer{i}_attention.{layer}.gate' for i in range(1, 5)
        for layer in ('gate', 'eca')
    ]
    for row in rows:
        assert sorted(k for k in row
                      if k not in ('iter', 'loss')) == sorted(maps)
        assert math.isfinite(row['loss'])
        # Identity-form gates and ECA: twice a sigmoid's mean.
        assert all(0 <= row[name] <= 2 for name in maps)
    # The maps move as the backbone trains.
    assert rows[0] != rows[-1]
    table = out.read_text().splitlines()
    assert table[0].startswith('| iteration | loss | `layer1_attention')
    rows_shown = [line.split(' | ')[0] for line in table[2:]]
    assert rows_shown == ['| 1', '| 2', '| 3']
    assert not list((tmp_path / 'run').rglob('*.pth'))


def test_gate_trace_refuses_a_backbone_without_maps(tiny_custom27, tmp_path,
                                                    monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    with pytest.raises(ValueError, match='ResNet has no attention map'):
        gate_trace.trace(
            str(CONFIG_DIR / 'faster_rcnn_r18_custom27.py'), 0, 1,
            str(tmp_path), dict(data_root=f'{tiny_custom27}/'))


def test_gate_trace_refuses_bad_counts(capsys):
    with pytest.raises(SystemExit):
        gate_trace.parse_args(['x.py', '--iters', '0'])
    assert '--iters and --every must be >= 1' in capsys.readouterr().err
