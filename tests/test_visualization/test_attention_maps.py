"""Capturing attention maps with hooks on the gates, bringing them to image
space, and drawing them."""
import mmcv
import numpy as np
import pytest
import torch
import torch.nn as nn

from mmdet_attn.models.backbones import ResidualAttentionNet
from mmdet_attn.models.layers import CBAM, ECA, SAM, SE, NonLocalBlock
from mmdet_attn.visualization import (CHANNEL, SPATIAL, attention_gates,
                                      capture_attention_maps,
                                      collect_attention_maps, grid_to_image,
                                      plot_channel_weights, plot_grad_cam,
                                      plot_heatmap_overlay,
                                      split_attention_map)


def _mixed_model() -> nn.Sequential:
    """One layer of each kind of map, on 8 channels."""
    return nn.Sequential(
        CBAM(8, ratio=4), ECA(8), NonLocalBlock(8), SAM(8),
        SE(8, ratio=4)).eval()


def _cbam_channel_gate(cbam: CBAM, x: torch.Tensor) -> torch.Tensor:
    """CBAM's channel gate, recomputed from its MLP."""
    mlp = cbam.channel_gate.mlp
    gate = mlp(x.mean((2, 3))) + mlp(x.amax((2, 3)))
    return gate.sigmoid()[:, :, None, None]


@pytest.mark.parametrize('shape, kind, data_shape, note', [
    ((1, 9, 7), SPATIAL, (9, 7), ''),
    ((8, 1, 1), CHANNEL, (8, ), ''),
    ((8, 9, 7), SPATIAL, (9, 7), 'mean over 8 channels'),
])
def test_split_classifies_by_shape(shape, kind, data_shape, note):
    kept = torch.rand(shape, dtype=torch.float64)
    amap = split_attention_map('backbone.x', 'Layer', kept)
    assert (amap.name, amap.layer_type) == ('backbone.x', 'Layer')
    assert (amap.kind, tuple(amap.data.shape), amap.note) == (kind, data_shape,
                                                              note)
    assert amap.kept_shape == shape and amap.data.dtype == torch.float32
    expected = kept.mean(0) if shape[0] > 1 and kind == SPATIAL else kept
    torch.testing.assert_close(amap.data, expected.float().reshape(data_shape))


def test_split_rejects_other_shapes():
    with pytest.raises(ValueError, match='backbone.nl.*shape \\(4, 4\\)'):
        split_attention_map('backbone.nl', 'NonLocalBlock', torch.rand(4, 4))


def test_capture_and_collect_every_kind_of_map():
    model = _mixed_model()
    x = torch.rand(2, 8, 9, 7)
    assert [(owner, kind) for owner, kind, _ in attention_gates(model)] == [
        ('0.channel_gate', 'ChannelGate'), ('0.spatial_gate', 'SpatialGate'),
        ('1', 'ECA'), ('3', 'SAM'), ('4', 'SE')
    ], 'NonLocalBlock has no gate'
    with capture_attention_maps(model) as captured:
        model(x)
    maps = collect_attention_maps(captured, index=1)
    found = [(m.name, m.layer_type, m.kind, tuple(m.data.shape)) for m in maps]
    assert found == [('0.channel_gate', 'ChannelGate', CHANNEL, (8, )),
                     ('0.spatial_gate', 'SpatialGate', SPATIAL, (9, 7)),
                     ('1', 'ECA', CHANNEL, (8, )),
                     ('3', 'SAM', CHANNEL, (8, )), ('4', 'SE', CHANNEL, (8, ))]
    # Image 1 of the batch, as CBAM and SAM computed it.
    cbam, sam = model[0], model[3]
    with torch.no_grad():
        channel = _cbam_channel_gate(cbam, x)
        gated = x * channel
        spatial = cbam.spatial_gate.conv(
            torch.cat(
                [gated.mean(1, keepdim=True),
                 gated.amax(1, keepdim=True)], 1)).sigmoid()
        torch.testing.assert_close(maps[0].data, channel[1].flatten())
        torch.testing.assert_close(maps[1].data, spatial[1, 0])
        sam_input = model[2](model[1](cbam(x)))
        torch.testing.assert_close(maps[3].data,
                                   sam.fc(sam_input.mean((2, 3)))[1])
    # The hooks are gone after the block.
    model(torch.rand(1, 8, 5, 5))
    assert tuple(captured['1'].output.shape) == (2, 8, 1, 1)
    assert all(not gate._forward_hooks
               for _, _, gate in attention_gates(model))


def test_capture_residual_attention_masks():
    model = ResidualAttentionNet(
        'attention56', base_channels=8, out_indices=(3, )).eval()
    x = torch.rand(1, 3, 64, 48)
    with capture_attention_maps(model) as captured:
        model(x)
    maps = collect_attention_maps(captured, index=0)
    assert [(m.name, m.layer_type, m.kind) for m in maps] == [
        ('layer1.1', 'AttentionModule', SPATIAL),
        ('layer2.1', 'AttentionModule', SPATIAL),
        ('layer3.1', 'AttentionModule', SPATIAL),
    ]
    # Layer 1's soft mask, recomputed from the module's own input.
    module, inputs = model.layer1[1], []
    module.register_forward_pre_hook(lambda m, args: inputs.append(args[0]))
    with torch.no_grad():
        model(x)
        mask = module.mask(module.pre_units(inputs[0]))
    torch.testing.assert_close(captured['layer1.1'].output, mask)
    assert all(0 < m.data.min() and m.data.max() < 1 for m in maps)


def test_grid_to_image_crops_the_padding_then_resizes():
    # A ramp 0..1 across 8 columns over a padded input whose right half is
    # padding: the image only sees columns 0..3.5, i.e. values up to 0.5.
    grid = torch.linspace(0, 1, 8).repeat(2, 1)
    out = grid_to_image(
        grid,
        batch_input_shape=(16, 64),
        img_shape=(16, 32),
        ori_shape=(8, 16, 3))
    assert out.shape == (8, 16) and out.dtype == np.float32
    assert out.min() == 0 and out.max() <= 0.5 + 1e-6
    assert np.all(np.diff(out, axis=1) >= 0)
    # Without padding the full range comes back, on any output size.
    full = grid_to_image(grid, (16, 64), (16, 64), (5, 41))
    assert full.shape == (5, 41)
    assert full.min() == 0 and full.max() == pytest.approx(1)


def test_grid_to_image_keeps_values_in_the_grid_range():
    grid = torch.rand(7, 5)
    out = grid_to_image(grid, (224, 160), (200, 150), (123, 97))
    assert grid.min() <= out.min() and out.max() <= grid.max()


def test_plots_write_readable_pngs(tmp_path):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (40, 60, 3), dtype=np.uint8)
    heat = rng.random((40, 60)).astype(np.float32)
    plot_heatmap_overlay(image, heat, str(tmp_path / 'a.png'), 'layer')
    plot_channel_weights(rng.random(256), str(tmp_path / 'b.png'), 'layer')
    plot_grad_cam(image, heat, (5, 5, 30, 20), 'cls 0.50',
                  str(tmp_path / 'c.png'), 'Grad-CAM')
    for name in 'abc':
        png = mmcv.imread(str(tmp_path / f'{name}.png'))
        assert png is not None and min(png.shape[:2]) >= 200
        assert png.std() > 10, 'a blank figure'
    with pytest.raises(ValueError, match='differs from the image size'):
        plot_heatmap_overlay(image, heat.T, str(tmp_path / 'd.png'), 'x')


@pytest.mark.parametrize('ulps', [0, 1, 3])
def test_channel_weights_all_but_equal_plot(tmp_path, ulps):
    """A layer still at its identity start: float32 weights a few units in
    the last place apart (numpy refuses finite bins over so narrow a range
    in float32)."""
    weights = np.full(128, 0.99, dtype=np.float32)
    for _ in range(ulps):
        weights[0] = np.nextafter(weights[0], np.float32(2))
    plot_channel_weights(weights, str(tmp_path / 'w.png'), 'layer')
    png = mmcv.imread(str(tmp_path / 'w.png'))
    assert png is not None and png.std() > 10
