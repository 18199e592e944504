"""Each ``_custom27`` config of the ResNet family (GatedECAResNet-18 with
and without non-local blocks, SE / CBAM / SAM / ECA-ResNet-50, plain
ResNet-50) trains 2 iterations through ``tools/train.py`` (tiny split: 8
images, batch 4) and saves a checkpoint holding its attention layers."""
import pytest
import torch

from tool_runner import CONFIG_DIR, data_options, run_python_tool

# Config -> a backbone key its checkpoint must hold.
CONFIGS = {
    'faster_rcnn_attn_r18_custom27.py': 'layer1_attention.gate.psi.conv',
    'faster_rcnn_attn_r18_nonlocal_custom27.py':
    'layer4_attention.non_local.conv_out.conv',
    'faster_rcnn_se_r50_custom27.py': 'layer1.0.se_layer.conv1.conv',
    'faster_rcnn_cbam_r50_custom27.py': 'layer4.2.cbam.channel_gate.mlp.0',
    'faster_rcnn_sam_r50_custom27.py': 'layer2.3.sam.fc',
    'faster_rcnn_eca_r50_custom27.py': 'layer3.5.eca.conv',
    'faster_rcnn_r50_custom27.py': 'layer3.5.conv3',
}


@pytest.mark.parametrize('config', CONFIGS)
def test_trains_two_iterations(config, tiny_custom27, tmp_path):
    options = [
        *data_options(tiny_custom27), 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1'
    ]
    proc = run_python_tool('train.py', str(CONFIG_DIR / config), '--work-dir',
                           str(tmp_path), '--cfg-options', *options)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    checkpoint = torch.load(
        tmp_path / 'epoch_1.pth', map_location='cpu', weights_only=False)
    weight = checkpoint['state_dict'][f'backbone.{CONFIGS[config]}.weight']
    assert torch.isfinite(weight).all()
