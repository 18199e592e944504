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
    ``g`` to ``inter_channels``; ``phi(g)`` is resized bilinearly to ``x``'s
    size; ``psi`` gives one spatial map shared by all channels. This layer
    forms the map on ``x``'s grid; the authors' gate forms it on ``g``'s
    grid and adds an output transform (``docs/fidelity.md``). It
    takes two inputs, so backbones call it directly (it is no ResNet block
    plugin).

    Args:
        in_channels (int): Channels ``C`` of the gated map ``x``.
        gating_channels (int): Channels of the gating map ``g``.
        inter_channels (int, optional): Channels of the projections.
            Defaults to ``max(in_channels // 2, 1)``.
        kernel_size (int): Odd size of the three convs. Defaults to 1 (the
            paper's).
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
    """

    _abbr_ = 'attention_gate'
    takes_gating_map = True
    backbone_norm_args = ('norm_cfg', )

    def __init__(self,
                 in_channels: int,
                 gating_channels: int,
                 inter_channels: Optional[int] = None,
                 kernel_size: int = 1,
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
        if inter_channels is None:
            inter_channels = max(in_channels // 2, 1)
        self.gating_channels = gating_channels
        self.inter_channels = inter_channels
        self.align_corners = align_corners
        branch = dict(
            kernel_size=kernel_size,
            padding=kernel_size // 2,
            norm_cfg=branch_norm_cfg,
            act_cfg=branch_act_cfg)
        self.theta = ConvModule(in_channels, inter_channels, **branch)
        self.phi = ConvModule(gating_channels, inter_channels, **branch)
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
        theta = self.dropout(self.theta(x))
        phi = self.dropout(self.phi(g))
        phi = F.interpolate(
            phi,
            size=theta.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        return x * self.gate(self.psi(F.relu(theta + phi)))
