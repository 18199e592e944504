"""Additive attention gate (Attention U-Net, Oktay et al., MIDL 2018)."""
from typing import Optional

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmdet.registry import MODELS
from mmdet.utils import OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from .base import AttentionMapMixin, Gate


@MODELS.register_module()
class AttentionGate(AttentionMapMixin, BaseModule):
    """Additive attention gate: ``x * sigmoid(psi(relu(theta(x) + phi(g))))``.

    ``theta`` and ``phi`` project ``x`` and the (usually coarser) gating map
    ``g`` to ``inter_channels``; ``phi(g)`` is resized bilinearly to
    ``theta(x)``'s size; ``psi`` gives one spatial map shared by all
    channels. With ``sub_sample=1`` (default) the map is formed on ``x``'s
    grid; with ``sub_sample=s``, ``theta`` is an ``s x s`` stride-``s`` conv
    (as in the authors' code), so the map is formed on a grid ``s`` times
    coarser (``g``'s grid when ``g`` is ``s`` times coarser than ``x``) and
    resized bilinearly to ``x``'s size before the product. The authors'
    output transform is not offered (``docs/fidelity.md``). It takes two
    inputs, so backbones call it directly (it is no ResNet block plugin).

    Args:
        in_channels (int): Channels ``C`` of the gated map ``x``.
        gating_channels (int): Channels of the gating map ``g``.
        inter_channels (int, optional): Channels of the projections.
            Defaults to ``max(in_channels // 2, 1)``.
        kernel_size (int): Odd size of the three convs (of ``phi`` and
            ``psi`` when ``sub_sample > 1``). Defaults to 1 (the paper's).
        sub_sample (int): Stride (and kernel size) of ``theta``: the map is
            formed on a grid this many times coarser than ``x``'s, which is
            zero-padded at the bottom and right to a multiple of it.
            Defaults to 1.
        norm_cfg (dict, optional): Norm after ``psi`` (one group for
            ``GN``); inside a backbone, the backbone's ``norm_cfg`` unless
            set. Defaults to ``dict(type='BN')``, as in the Attttttention-
            ResNet repository; None gives the paper's ``psi`` (conv with
            bias).
        branch_norm_cfg (dict, optional): Norm after ``theta`` and ``phi``.
            Defaults to None.
        branch_act_cfg (dict, optional): Activation after ``theta`` and
            ``phi``. Defaults to None.
        dropout (float): Dropout on ``theta(x)`` and ``phi(g)``. Defaults
            to 0.
        align_corners (bool): ``align_corners`` of the bilinear resize of
            ``phi(g)``; the Attttttention-ResNet repository uses True.
            Defaults to False (MMDetection's usual choice).
        identity_init (bool): Initialise so that the map starts at
            ``2 * sigmoid(0) = 1`` (``docs/pretraining.md``). Defaults to
            False.
        init_cfg (dict or list[dict], optional): Initialization config.

    Example:
        >>> import torch
        >>> ag = AttentionGate(in_channels=64, gating_channels=512)
        >>> x, g = torch.rand(2, 64, 15, 21), torch.rand(2, 512, 4, 6)
        >>> tuple(ag(x, g).shape)
        (2, 64, 15, 21)
        >>> coarse = AttentionGate(64, gating_channels=512, sub_sample=4)
        >>> tuple(coarse(x, g).shape)
        (2, 64, 15, 21)
    """

    _abbr_ = 'attention_gate'
    takes_gating_map = True
    backbone_norm_args = ('norm_cfg', )

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
        self._init_attention_state(in_channels, identity_init=identity_init)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError('AttentionGate needs an odd positive kernel_size,'
                             f' got {kernel_size}')
        if not isinstance(sub_sample, int) or sub_sample < 1:
            raise ValueError('AttentionGate needs a positive integer '
                             f'sub_sample, got {sub_sample!r}')
        if inter_channels is None:
            inter_channels = max(in_channels // 2, 1)
        self.gating_channels = gating_channels
        self.inter_channels = inter_channels
        self.align_corners = align_corners
        self.sub_sample = sub_sample
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
        if norm_cfg is not None and norm_cfg.get('type') == 'GN':
            # psi has one output channel: one group is the only one it has.
            norm_cfg = dict(norm_cfg, num_groups=1)
        self.psi = ConvModule(
            inter_channels,
            1,
            kernel_size,
            padding=kernel_size // 2,
            norm_cfg=norm_cfg,
            act_cfg=None)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.gate = Gate(scale=2. if identity_init else 1.)
        if identity_init:
            self._init_identity()

    def _init_identity(self) -> None:
        """Make the map ``2 * sigmoid(0) = 1``; see ``identity_init``."""
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
        """Gate ``x`` by one spatial map computed from ``x`` and ``g``.

        Args:
            x (Tensor): ``N x C x H x W`` map to gate.
            g (Tensor): ``N x C_g x H_g x W_g`` gating map, any size.

        Returns:
            Tensor: ``N x C x H x W``.
        """
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
        """``x`` zero-padded at the bottom and right to a multiple of
        ``sub_sample``."""
        s = self.sub_sample
        return F.pad(x, (0, -x.size(3) % s, 0, -x.size(2) % s))
