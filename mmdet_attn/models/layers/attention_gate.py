"""Additive attention gate (Attention U-Net, Oktay et al., MIDL 2018)."""
from typing import Optional

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmdet.registry import MODELS
from mmdet.utils import OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from .base import AttentionMapMixin, Gate, one_channel_norm


@MODELS.register_module()
class AttentionGate(AttentionMapMixin, BaseModule):
    """Additive attention gate: ``x * sigmoid(psi(relu(theta(x) + phi(g))))``,
    ``phi(g)`` resized bilinearly to ``theta(x)``'s grid, one map for all
    channels.

    Args:
        in_channels (int): Channels of the gated map ``x``.
        gating_channels (int): Channels of the gating map ``g``.
        inter_channels (int, optional): Output channels of ``theta`` and
            ``phi``. Defaults to ``max(in_channels // 2, 1)``.
        kernel_size (int): Odd size of the convs. Defaults to 1.
        sub_sample (int): Size and stride of ``theta``: the map is formed on
            that coarser grid, then resized to ``x``'s. Defaults to 1.
        norm_cfg (dict, optional): Norm after ``psi``; None: ``psi`` with a
            bias (the paper's). Defaults to ``dict(type='BN')``.
        branch_norm_cfg (dict, optional): Norm after ``theta`` and ``phi``.
        branch_act_cfg (dict, optional): Activation after ``theta``, ``phi``.
        dropout (float): Dropout on ``theta(x)`` and ``phi(g)``. Defaults to 0.
        align_corners (bool): Of the bilinear resizes. Defaults to False.
        identity_init (bool): Start with the map at 1. Defaults to False.
        init_cfg (dict or list[dict], optional): Initialization config.

    Example:
        >>> import torch
        >>> ag = AttentionGate(in_channels=64, gating_channels=512)
        >>> x, g = torch.rand(2, 64, 15, 21), torch.rand(2, 512, 4, 6)
        >>> tuple(ag(x, g).shape)
        (2, 64, 15, 21)
    """

    _abbr_ = 'attention_gate'

    def __init__(self,
                 in_channels: int,
                 gating_channels: int,
                 inter_channels: Optional[int] = None,
                 kernel_size: int = 1,
                 sub_sample: int = 1,
                 norm_cfg: OptConfigType = dict(type='BN'),
                 branch_norm_cfg: OptConfigType = None,
                 branch_act_cfg: OptConfigType = None,
                 dropout: float = 0.,
                 align_corners: bool = False,
                 identity_init: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError('AttentionGate needs an odd positive kernel_size,'
                             f' got {kernel_size}')
        if not isinstance(sub_sample, int) or sub_sample < 1:
            raise ValueError('AttentionGate needs a positive integer '
                             f'sub_sample, got {sub_sample!r}')
        if inter_channels is None:
            inter_channels = max(in_channels // 2, 1)
        self.in_channels = in_channels
        self.gating_channels = gating_channels
        self.inter_channels = inter_channels
        self.align_corners = align_corners
        self.sub_sample = sub_sample
        self.identity_init = identity_init
        branch = dict(norm_cfg=branch_norm_cfg, act_cfg=branch_act_cfg)
        theta_kernel, theta_padding = ((sub_sample, 0) if sub_sample > 1 else
                                       (kernel_size, kernel_size // 2))
        self.theta = ConvModule(
            in_channels,
            inter_channels,
            theta_kernel,
            stride=sub_sample,
            padding=theta_padding,
            **branch)
        self.phi = ConvModule(
            gating_channels,
            inter_channels,
            kernel_size,
            padding=kernel_size // 2,
            **branch)
        self.psi = ConvModule(
            inter_channels,
            1,
            kernel_size,
            padding=kernel_size // 2,
            norm_cfg=one_channel_norm(norm_cfg),
            act_cfg=None)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.gate = Gate(scale=2. if identity_init else 1.)
        if identity_init:
            self._init_identity()

    def _init_identity(self) -> None:
        for branch in (self.theta, self.phi):
            nn.init.zeros_(branch.conv.weight)
            shift = branch.norm.bias if branch.with_norm else branch.conv.bias
            nn.init.constant_(shift, 0.5)
        # psi's input is now relu(0.5 + 0.5) = 1 everywhere.
        psi_conv = self.psi.conv
        if psi_conv.kernel_size != (1, 1):
            nn.init.zeros_(psi_conv.weight)
        if psi_conv.bias is not None:
            nn.init.zeros_(psi_conv.bias)
        response = psi_conv.weight.detach().sum()
        if self.psi.with_norm:
            nn.init.zeros_(self.psi.norm.bias)
            running_mean = getattr(self.psi.norm, 'running_mean', None)
            if running_mean is not None:
                running_mean.fill_(response)
        else:
            psi_conv.bias.data.fill_(-response)

    def forward(self, x: Tensor, g: Tensor) -> Tensor:
        """Gate ``x`` (``N x C x H x W``) by ``g`` (``N x C_g x H' x W'``)."""
        self._check_input(x)
        self._check_input(g, 'g', 'gating_channels', batch=x.size(0))
        if self.sub_sample > 1:
            theta = self.theta(self._pad_to_sub_sample(x))
        else:
            theta = self.theta(x)
        phi = F.interpolate(
            self.dropout(self.phi(g)),
            size=theta.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        alpha = self.gate(self.psi(F.relu(self.dropout(theta) + phi)))
        if self.sub_sample > 1:
            alpha = F.interpolate(
                alpha,
                size=x.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners)
        return x * alpha

    def _pad_to_sub_sample(self, x: Tensor) -> Tensor:
        """``x`` zero-padded at the bottom and right to ``sub_sample``'s."""
        s = self.sub_sample
        return F.pad(x, (0, -x.size(3) % s, 0, -x.size(2) % s))
