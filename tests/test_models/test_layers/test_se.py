"""SE against Squeeze-and-Excitation Networks (Hu et al., CVPR 2018) and
MMDetection's SELayer."""
import pytest
import torch
from mmdet.models.layers import SELayer

from mmdet_attn.models.layers import SE


@pytest.mark.parametrize('ratio', [4, 16])
@pytest.mark.parametrize('shape', [(1, 64, 1, 1), (3, 48, 7, 9)])
def test_output_equals_the_formula(ratio, shape, sigmoid_ref):
    torch.manual_seed(0)
    layer = SE(shape[1], ratio=ratio).double()
    x = torch.randn(shape, dtype=torch.float64)
    w1 = layer.conv1.conv.weight.detach()[:, :, 0, 0]  # C/r x C
    b1 = layer.conv1.conv.bias.detach()
    w2 = layer.conv2.conv.weight.detach()[:, :, 0, 0]  # C x C/r
    b2 = layer.conv2.conv.bias.detach()
    z = x.sum(dim=(2, 3)) / (shape[2] * shape[3])
    hidden = (z @ w1.T + b1).clamp(min=0)
    weights = sigmoid_ref(hidden @ w2.T + b2)
    expected = x * weights[:, :, None, None]
    torch.testing.assert_close(layer(x), expected, rtol=1e-12, atol=1e-12)


def test_equals_mmdet_selayer_with_the_same_weights():
    torch.manual_seed(0)
    layer = SE(64, ratio=8)
    reference = SELayer(64, ratio=8)
    reference.load_state_dict(layer.state_dict())
    x = torch.randn(2, 64, 9, 7)
    torch.testing.assert_close(layer(x), reference(x))


def test_parameter_names_are_mmdetection_and_mmpretrain_ones():
    # MMPretrain's SE-ResNet checkpoints hold these keys under se_layer.
    assert list(SE(64).state_dict()) == [
        'conv1.conv.weight', 'conv1.conv.bias', 'conv2.conv.weight',
        'conv2.conv.bias'
    ]


def test_parameter_count():
    c, r = 256, 16
    c_r = c // r
    layer = SE(c, ratio=r)
    assert sum(p.numel() for p in layer.parameters()) == 2 * c * c_r + c_r + c


def test_too_few_channels_for_the_ratio():
    with pytest.raises(ValueError, match='in_channels=8 and ratio=16'):
        SE(8)
