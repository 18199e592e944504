"""CBAM: Convolutional Block Attention Module (Woo et al., ECCV 2018)."""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmdet.registry import MODELS
from mmdet.utils import OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from .base import (AttentionMapMixin, Gate, autocast_off, init_identity_mlp,
                   one_channel_norm)


class ChannelGate(BaseModule):
    """Channel map ``sigmoid(MLP(AvgPool(x)) + MLP(MaxPool(x)))``, ``N x C x
    1 x 1``; the MLP is ``Linear(C, hidden_channels)``-ReLU-``Linear``."""

    def __init__(self,
                 in_channels: int,
                 hidden_channels: int,
                 gate_scale: float = 1.) -> None:
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(in_channels, hidden_channels), nn.ReLU(inplace=True),
            nn.Linear(hidden_channels, in_channels))
        self.gate = Gate(scale=gate_scale)

    def forward(self, x: Tensor) -> Tensor:
        dtype = self.mlp[0].weight.dtype
        avg = x.mean((2, 3), dtype=dtype)
        max_ = x.amax((2, 3)).to(dtype)
        return self.gate((self.mlp(avg) + self.mlp(max_))[:, :, None, None])


class SpatialGate(BaseModule):
    """Spatial map ``sigmoid(conv([mean_c(x); max_c(x)]))``, ``N x 1 x H x
    W``; ``kernel_size x kernel_size`` conv, then ``norm_cfg``'s norm."""

    def __init__(self,
                 kernel_size: int = 7,
                 norm_cfg: OptConfigType = None,
                 gate_scale: float = 1.) -> None:
        super().__init__()
        self.conv = ConvModule(
            2,
            1,
            kernel_size,
            padding=kernel_size // 2,
            norm_cfg=one_channel_norm(norm_cfg),
            act_cfg=None)
        self.gate = Gate(scale=gate_scale)

    def forward(self, x: Tensor) -> Tensor:
        dtype = self.conv.conv.weight.dtype
        avg = x.mean(1, keepdim=True, dtype=dtype)
        max_ = x.amax(1, keepdim=True).to(dtype)
        return self.gate(self.conv(torch.cat([avg, max_], dim=1)))


@MODELS.register_module()
class CBAM(AttentionMapMixin, BaseModule):
    """Convolutional Block Attention Module: ``x' = x * M_c(x)``, then
    ``out = x' * M_s(x')`` (:class:`ChannelGate`, :class:`SpatialGate`).

    Args:
        in_channels (int): Channels ``C`` of the input (and output).
        ratio (int): Hidden width ``max(C // ratio, 1)``. Defaults to 16.
        spatial_kernel_size (int): Odd size of the spatial conv. Defaults to 7.
        spatial_norm_cfg (dict, optional): Norm after the spatial conv (the
            authors' code: ``dict(type='BN')``). Defaults to None.
        identity_init (bool): Start as the identity (both maps
            ``2 * sigmoid(0) = 1``). Defaults to False.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    _abbr_ = 'cbam'

    def __init__(self,
                 in_channels: int,
                 ratio: int = 16,
                 spatial_kernel_size: int = 7,
                 spatial_norm_cfg: OptConfigType = None,
                 identity_init: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if spatial_kernel_size < 1 or spatial_kernel_size % 2 == 0:
            raise ValueError('CBAM needs an odd positive spatial_kernel_size, '
                             f'got {spatial_kernel_size}')
        self.in_channels = in_channels
        self.identity_init = identity_init
        gate_scale = 2. if identity_init else 1.
        self.channel_gate = ChannelGate(in_channels,
                                        max(in_channels // ratio, 1),
                                        gate_scale)
        self.spatial_gate = SpatialGate(spatial_kernel_size, spatial_norm_cfg,
                                        gate_scale)
        if identity_init:
            self._init_identity()

    def _init_identity(self) -> None:
        mlp, conv = self.channel_gate.mlp, self.spatial_gate.conv
        init_identity_mlp(mlp[0], mlp[2])
        nn.init.zeros_(conv.conv.weight)
        if conv.conv.bias is not None:
            nn.init.zeros_(conv.conv.bias)
        if conv.with_norm:
            nn.init.zeros_(conv.norm.bias)

    def forward(self, x: Tensor) -> Tensor:
        """Channel map, then spatial map, on ``x`` (``N x C x H x W``)."""
        self._check_input(x)
        with autocast_off(x):
            x = x * self.channel_gate(x).to(x.dtype)
            return x * self.spatial_gate(x).to(x.dtype)
