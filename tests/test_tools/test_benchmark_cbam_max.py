"""tools/analysis_tools/benchmark_cbam_max.py at batch 1, one pair."""
import re
import sys

import pytest
from tool_runner import load_tool

TOOL = 'analysis_tools/benchmark_cbam_max.py'


def test_prints_both_paths_per_shape(monkeypatch, capsys):
    monkeypatch.setattr(sys, 'argv', [
        TOOL, '--batch', '1', '--repeats', '1', '--warmup', '0', '--threads',
        '1'
    ])
    tool = load_tool(TOOL)
    tool.main()
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith('torch ') and '1 threads, batch 1' in lines[0]
    pattern = re.compile(r'(\d+)x(\d+)x(\d+): amax ([\d.]+) ms, with indices '
                         r'([\d.]+) ms, median ratio ([\d.]+)')
    found = [pattern.fullmatch(line) for line in lines[1:]]
    assert [(int(m[1]), int(m[2])) for m in found] == list(tool.SHAPES)
    for m in found:
        amax, indexed, ratio = (float(m[i]) for i in (4, 5, 6))
        assert amax > 0 and indexed > 0
        assert abs(ratio - indexed / amax) < 0.02 + 0.01 * ratio


def test_bad_counts_are_refused(monkeypatch, capsys):
    monkeypatch.setattr(sys, 'argv', [TOOL, '--repeats', '0'])
    with pytest.raises(SystemExit) as exit_info:
        load_tool(TOOL).parse_args()
    assert exit_info.value.code == 2
    assert 'need --batch >= 1, --repeats >= 1' in capsys.readouterr().err
