"""research/profile_train_step.py: a training step's CPU time broken down
by operator group, with MMCV's RoIAlign and with SparseRoIAlign."""
import profile_train_step
import pytest
from tool_runner import CONFIG_DIR, REPO_ROOT, data_options


@pytest.mark.parametrize('roi_layer', ['SparseRoIAlign', 'RoIAlign'])
def test_profile_train_step_breaks_a_step_down(tiny_custom27, tmp_path,
                                               monkeypatch, roi_layer):
    monkeypatch.chdir(REPO_ROOT)
    result = profile_train_step.main([
        str(CONFIG_DIR / 'faster_rcnn_r18_custom27.py'), '--iters', '1',
        '--warmup', '0', '--row-limit', '3', '--work-dir',
        str(tmp_path), '--cfg-options', *data_options(tiny_custom27),
        f'model.roi_head.bbox_roi_extractor.roi_layer.type={roi_layer}'
    ])
    groups = [name for name, _, _ in profile_train_step.GROUPS] + ['rest']
    assert sum(result[name]
               for name in groups) == pytest.approx(result['total'])
    assert 0 < result['total'] and 0 < result['seconds_per_step']
    assert result['convolutions'] > 0 and result['optimiser'] > 0
    # MMCV's op is its own group; SparseRoIAlign's products are matrix
    # products.
    assert (result['RoIAlign'] > 0) == (roi_layer == 'RoIAlign')
    assert result['matrix products'] > 0
    log = next(tmp_path.glob('*/*.log')).read_text()
    assert 's per training step (1 steps after 0' in log
    assert 'Self CPU time total' in log


def test_profile_train_step_refuses_bad_counts(capsys):
    with pytest.raises(SystemExit):
        profile_train_step.parse_args(['x.py', '--iters', '0'])
    assert 'need --iters >= 1 and --warmup >= 0, got 0 and 5' in (
        capsys.readouterr().err)
