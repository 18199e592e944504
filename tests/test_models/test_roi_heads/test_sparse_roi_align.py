"""SparseRoIAlign against MMCV's RoIAlign, and the extractor that builds it
from the registry."""
import pytest
import torch
from mmcv.ops import RoIAlign
from mmdet.registry import MODELS

from mmdet_attn.models.roi_heads import RegistryRoIExtractor, SparseRoIAlign


def random_rois(num: int, images: int, extent: float) -> torch.Tensor:
    """Boxes in image pixels, some reaching past the image's border."""
    x1y1 = torch.rand(num, 2) * extent * 1.1 - 0.1 * extent
    wh = torch.rand(num, 2) * extent / 2 + 0.5
    index = torch.randint(0, images, (num, 1)).float()
    return torch.cat([index, x1y1, x1y1 + wh], dim=1)


@pytest.mark.parametrize('aligned', [True, False])
@pytest.mark.parametrize('sampling_ratio,output_size', [(1, 7), (2, (7, 5)),
                                                        (3, 3)])
def test_values_and_gradients_are_mmcvs(aligned, sampling_ratio, output_size):
    torch.manual_seed(0)
    feats = torch.randn(3, 6, 13, 17, dtype=torch.float64)
    feats = feats.float().requires_grad_()
    rois = random_rois(40, 3, extent=17 * 4)
    # Far outside the map (samples beyond -1 count as 0) and tiny boxes.
    rois[:2, 1:] = torch.tensor([[-30., -20., -5., -6.], [60., 40., 90., 70.]])
    rois[2, 1:] = torch.tensor([5., 5., 5.2, 5.1])
    kwargs = dict(
        output_size=output_size,
        spatial_scale=0.25,
        sampling_ratio=sampling_ratio,
        aligned=aligned)
    ours, ref = SparseRoIAlign(**kwargs)(feats,
                                         rois), RoIAlign(**kwargs)(feats, rois)
    assert ours.shape == ref.shape and ours.is_contiguous()
    assert torch.allclose(ours, ref, atol=1e-5)
    assert ref[0].abs().max() == 0 and ref[2].abs().max() > 0
    upstream = torch.randn_like(ref)
    grad_ours, = torch.autograd.grad(ours, feats, upstream)
    grad_ref, = torch.autograd.grad(ref, feats, upstream)
    assert torch.allclose(grad_ours, grad_ref, atol=1e-5)


def test_no_rois_and_dtype():
    layer = SparseRoIAlign(7, spatial_scale=0.5)
    feats = torch.rand(2, 4, 8, 8)
    assert layer(feats, torch.zeros(0, 5)).shape == (0, 4, 7, 7)
    rois = torch.tensor([[1., 0., 0., 10., 12.]])
    half = layer(feats.bfloat16(), rois)
    assert half.dtype == torch.bfloat16
    assert torch.allclose(half.float(), layer(feats, rois), atol=2e-2)


@pytest.mark.parametrize('kwargs,message', [
    (dict(sampling_ratio=0), 'fixed sampling_ratio >= 1'),
    (dict(pool_mode='max'), "pool_mode='avg' only"),
])
def test_refuses_what_is_not_one_matrix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SparseRoIAlign(7, **kwargs)


def test_extractor_builds_registry_or_mmcv_layers():
    import mmdet_attn  # noqa: F401 (registers the layers)
    extractor = MODELS.build(
        dict(
            type='RegistryRoIExtractor',
            roi_layer=dict(
                type='SparseRoIAlign', output_size=7, sampling_ratio=2),
            out_channels=8,
            featmap_strides=[4, 8, 16]))
    assert isinstance(extractor, RegistryRoIExtractor)
    assert [type(m) for m in extractor.roi_layers] == [SparseRoIAlign] * 3
    assert [m.spatial_scale
            for m in extractor.roi_layers] == [0.25, 0.125, 0.0625]
    mmcv_layers = RegistryRoIExtractor(
        dict(type='RoIAlign', output_size=7, sampling_ratio=2), 8, [4, 8])
    assert [type(m) for m in mmcv_layers.roi_layers] == [RoIAlign] * 2
    # The same RoI features from both kinds of layer.
    torch.manual_seed(1)
    feats = (torch.rand(2, 8, 32, 32), torch.rand(2, 8, 16, 16))
    rois = random_rois(20, 2, extent=128)
    sparse = RegistryRoIExtractor(
        dict(type='SparseRoIAlign', output_size=7, sampling_ratio=2), 8,
        [4, 8])
    assert torch.allclose(
        sparse(feats, rois), mmcv_layers(feats, rois), atol=1e-5)
    with pytest.raises(KeyError, match="'RoIAlig' is neither in the MODELS"):
        RegistryRoIExtractor(dict(type='RoIAlig', output_size=7), 8, [4])
