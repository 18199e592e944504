"""Additive Attention Gate (AG).

Paper: O. Oktay, J. Schlemper, L. Le Folgoc, M. Lee, M. Heinrich, K. Misawa,
K. Mori, S. McDonagh, N. Y. Hammerla, B. Kainz, B. Glocker and D. Rueckert,
"Attention U-Net: Learning Where to Look for the Pancreas", MIDL 2018,
https://arxiv.org/abs/1804.03999

Formula (Eqs. 1-2), for ``x`` (``N x C x H x W``) gated by a coarser map
``g`` (``N x C_g x H_g x W_g``), with ``C_i`` inter channels::

    theta = W_x * x                                   (N x C_i x H x W)
    phi   = resize(W_g * g, (H, W))                   (N x C_i x H x W)
    alpha = sigmoid(psi * relu(theta + phi))          (N x 1 x H x W)
    out   = x * alpha

``*`` is a ``k x k`` convolution (zero-padded, stride 1) and ``resize`` is
bilinear with ``align_corners=False`` to x's exact size, so any pair of
sizes (odd ones too) works. One map ``alpha`` in (0, 1) is shared by all
channels. The defaults are the paper's (``k = 1``, no norm on the
branches) with a BN after ``psi``, as in the original ECA + Attention-Gate
ResNet repository; ``norm_cfg=None`` gives the paper's ``psi``, a 1x1 conv
with bias. The authors' code differs from
this layer: it computes ``theta`` with a 2x2 stride-2 conv, forms ``alpha``
on ``g``'s grid and up-samples it, and applies an output transform (1x1
conv + BN) to ``x * alpha``. This layer, like the original ECA +
Attention-Gate ResNet repository (Attttttention-ResNet), resizes the
projected ``g`` up to ``x``'s grid instead. That repository's layout is
``kernel_size=3, branch_norm_cfg=dict(type='BN'),
branch_act_cfg=dict(type='ReLU'), dropout=0.5, norm_cfg=dict(type='BN')``
(it also resizes with ``align_corners=True``).

It takes two inputs, ``forward(x, g)``, so it is not a ResNet ``Bottleneck``
plugin (those call ``forward(x)``); backbones call it directly.

Shape contract: ``x: N x C x H x W``, ``g: N x C_g x H_g x W_g`` (same N,
any H_g, W_g >= 1) ``-> N x C x H x W``.

Cost, with ``k`` the kernel size: parameters ``k^2 C C_i + k^2 C_g C_i +
k^2 C_i`` (convs) ``+ 2 C_i + 2`` by default (branch biases, BN of ``psi``); ``+ 4 C_i + 2``
with BN on the branches too (the convs then have no bias). FLOPs: ``k^2 C_i (N C H W + N C_g H_g W_g + N H W)`` multiply-adds
+ ``~4 N C_i H W`` (resize, add, ReLU) + ``N C H W`` (scale).

Example:
    >>> import torch
    >>> from mmdet_attn.models.layers import AttentionGate
    >>> ag = AttentionGate(in_channels=64, gating_channels=512)
    >>> x, g = torch.rand(2, 64, 15, 21), torch.rand(2, 512, 4, 6)
    >>> ag(x, g).shape
    torch.Size([2, 64, 15, 21])
"""
from typing import Optional

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmdet.registry import MODELS
from mmdet.utils import OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from .base import AttentionMapMixin


@MODELS.register_module()
class AttentionGate(AttentionMapMixin, BaseModule):
    """Additive attention gate; formula in the module docstring.

    Args:
        in_channels (int): Channels ``C`` of the gated map ``x``.
        gating_channels (int): Channels ``C_g`` of the gating map ``g``.
        inter_channels (int, optional): Inter channels ``C_i``. Defaults to
            ``max(in_channels // 2, 1)``.
        kernel_size (int): Odd size of the three convs. Defaults to 1 (the
            paper); the Attttttention-ResNet repository uses 3.
        norm_cfg (dict, optional): Norm after ``psi``; inside a backbone,
            the backbone's ``norm_cfg`` unless set here. A ``GN`` config is
            built with one group (``psi`` has one channel). Defaults to
            ``dict(type='BN')`` (the original ECA + Attention-Gate ResNet
            repository's); None gives the paper's ``psi``.
        branch_norm_cfg (dict, optional): Norm after ``W_x`` and ``W_g``.
            Defaults to None (the paper).
        branch_act_cfg (dict, optional): Activation after each branch.
            Defaults to None (the paper).
        dropout (float): Dropout probability on each branch output.
            Defaults to 0.
        identity_init (bool): Gate with ``2 * sigmoid`` and start at
            ``alpha = 1``: ``W_x`` and ``W_g`` start at zero with outputs
            0.5 (bias or norm shift), and ``psi``'s bias (or its norm's
            running mean) cancels its response to that constant map, so
            the layer is the identity at initialisation (in train mode
            too, unless ``dropout`` is set) and every parameter gets
            gradient from the first step. With ``kernel_size > 1``, the
            zero-padded ``psi`` cannot be cancelled at the borders and
            starts at zero instead: ``W_x`` and ``W_g`` then get gradient
            from the second step. Defaults to False.
        keep_attention_map (bool): Keep the last ``alpha`` (``N x 1 x H x W``,
            detached) in ``attention_map``. Defaults to False.
        init_cfg (dict or list[dict], optional): Initialization config.
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
                 identity_init: bool = False,
                 keep_attention_map: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self._init_attention_state(in_channels, keep_attention_map,
                                   identity_init)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError('AttentionGate needs an odd positive kernel_size,'
                             f' got {kernel_size}')
        if inter_channels is None:
            inter_channels = max(in_channels // 2, 1)
        self.gating_channels = gating_channels
        self.inter_channels = inter_channels
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
        if identity_init:
            self._init_identity()

    def _init_identity(self) -> None:
        """Make ``alpha = 2 * sigmoid(0) = 1``; see ``identity_init``."""
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
            g (Tensor): ``N x C_g x H_g x W_g`` gating map, usually coarser.

        Returns:
            Tensor: ``N x C x H x W``, ``x * alpha``.
        """
        self._check_input(x)
        self._check_input(g, 'g', 'gating_channels', batch=x.size(0))
        theta = self.dropout(self.theta(x))
        phi = self.dropout(self.phi(g))
        phi = F.interpolate(
            phi, size=theta.shape[2:], mode='bilinear', align_corners=False)
        alpha = self._gate(self.psi(F.relu(theta + phi)))
        return x * self._keep(alpha)
