"""research/benchmark_attention.py at batch 1, one timed run: a row per
layer and stage shape, each time a ratio to its floor."""
import re

from research_runner import run_script

ROW = re.compile(
    r'\| (\w+) \| (\d+x\d+x\d+) \| (\d+) \| ([\d.]+) \| '
    r'([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|')


def test_prints_a_row_per_layer_and_stage():
    proc = run_script('benchmark_attention.py', '--batch', '1', '--repeats',
                      '1', '--warmup', '0', '--threads', '1', '--modules',
                      'ECA', 'AttentionGate')
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'batch 1, amp off, median of 1 after 0 warm-up' in proc.stdout
    rows = [
        ROW.fullmatch(line) for line in proc.stdout.splitlines()
        if line.startswith('| ') and not line.startswith('| Layer')
    ]
    assert [(m[1], m[2]) for m in rows] == [
        (name, shape)
        for shape in ('256x56x56', '512x28x28', '1024x14x14', '2048x7x7')
        for name in ('ECA', 'AttentionGate')
    ]
    # The layer's forward and forward+backward, and the backward floor
    # (a clone alone may print as 0.00 ms).
    assert all(float(m[i]) > 0 for m in rows for i in (4, 7, 8))
