"""research/before_after.py: one round of one tiny backbone, the same
checkout on both sides (ratio about 1)."""
from research_runner import run_script
from tool_runner import REPO_ROOT


def test_one_round_prints_both_sides_and_the_ratio():
    result = run_script('before_after.py',
                        'configs/faster_rcnn_r18_custom27.py', '--old',
                        str(REPO_ROOT), '--rounds', '1', '--repeats', '1',
                        '--size', '64')
    assert result.returncode == 0, result.stdout + result.stderr
    row, = [ln for ln in result.stdout.splitlines() if 'r18_custom27' in ln]
    old_ms, new_ms, ratio = (float(v) for v in row.split()[1:4])
    assert old_ms > 0 and new_ms > 0
    # The printed times are rounded to whole milliseconds.
    assert abs(ratio - new_ms / old_ms) <= 1 / min(old_ms, new_ms) + 0.01
