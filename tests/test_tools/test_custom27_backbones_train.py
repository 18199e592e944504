"""Each ``_custom27`` config of the RAN and CSPMirrorNet families trains 2
iterations through ``tools/train.py`` (tiny split: 8 images, batch 4) and
writes its checkpoint."""
import pytest

from tool_runner import CONFIG_DIR, data_options, run_python_tool

CONFIGS = ('faster_rcnn_ran56_custom27.py', 'faster_rcnn_ran92_custom27.py',
           'faster_rcnn_cspmirrornet_pafpn_custom27.py',
           'faster_rcnn_cspmirrornet_fpn_custom27.py')


@pytest.mark.parametrize('config', CONFIGS)
def test_trains_two_iterations(config, tiny_custom27, tmp_path):
    proc = run_python_tool('train.py', str(CONFIG_DIR / config),
                           '--work-dir', str(tmp_path), '--cfg-options',
                           *data_options(tiny_custom27),
                           'train_cfg.max_epochs=1',
                           'train_cfg.val_interval=1')
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert (tmp_path / 'epoch_1.pth').is_file()
