"""Convolutional Block Attention Module (CBAM).

Paper: S. Woo, J. Park, J.-Y. Lee and I. S. Kweon, "CBAM: Convolutional Block
Attention Module", ECCV 2018, https://arxiv.org/abs/1807.06521

Formula (Eqs. 1-3), for ``x`` of shape ``N x C x H x W``, reduction ``r``::

    M_c = sigmoid(MLP(AvgPool(x)) + MLP(MaxPool(x)))        (N x C x 1 x 1)
    x'  = x * M_c
    M_s = sigmoid(f_kxk([mean_c(x'); max_c(x')]))            (N x 1 x H x W)
    out = x' * M_s

``MLP`` is shared by both pooled vectors: ``Linear(C, C_r)``, ReLU,
``Linear(C_r, C)`` with ``C_r = max(C // r, 1)``. ``f_kxk`` is a ``k x k``
convolution (``k = 7`` in the paper) from the 2 pooled maps, average first,
as in Eq. 3, to one map, zero-padded to keep ``H x W``. The paper writes no
normalisation there; the authors' code adds a BatchNorm: pass
``spatial_norm_cfg=dict(type='BN')`` to get it (the conv then has no bias).

Why not :class:`mmdet.models.layers.ChannelAttention`: that layer (from
RTMDet) is a different mechanism, one average-pooled vector through a single
1x1 conv and a hard sigmoid, with no max-pooled branch, no bottleneck MLP and
no spatial gate, so it cannot express Eq. 2.

Shape contract: ``N x C x H x W -> N x C x H x W`` for any N, C, H, W >= 1.

Cost: ``2 C C_r + C_r + C`` (MLP) ``+ 2 k^2 + 1`` (spatial conv; ``2 k^2 + 2``
with BN) parameters. FLOPs: ``2 N C H W`` (both pools) + ``4 N C C_r``
multiply-adds (MLP on two vectors) + ``N C H W`` (first scale) + ``2 N C H W``
(mean and max over C) + ``2 k^2 N H W`` multiply-adds (conv) + ``N C H W``
(second scale), i.e. about ``6 N C H W``.

Example:
    >>> import torch
    >>> from mmdet_attn.models.layers import CBAM
    >>> cbam = CBAM(in_channels=64)
    >>> cbam(torch.rand(2, 64, 7, 9)).shape
    torch.Size([2, 64, 7, 9])
"""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmdet.registry import MODELS
from mmdet.utils import OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from .base import AttentionMapMixin, init_identity_mlp
from .precision import autocast_off, weight_dtype


@MODELS.register_module()
class CBAM(AttentionMapMixin, BaseModule):
    """Convolutional Block Attention Module; formula in the module docstring.

    Args:
        in_channels (int): Channels ``C`` of the input (and output).
        ratio (int): Reduction ratio ``r`` of the shared MLP; the hidden
            width is ``max(C // r, 1)``. Defaults to 16.
        spatial_kernel_size (int): Odd size ``k`` of the spatial conv.
            Defaults to 7.
        spatial_norm_cfg (dict, optional): Norm after the spatial conv, e.g.
            ``dict(type='BN')`` as in the authors' code. Defaults to None,
            the paper's Eq. 3.
        identity_init (bool): Gate with ``2 * sigmoid`` and initialise
            both gates to 1: the MLP's first layer with zero weight and
            bias one, its last bias cancelling its weights, the spatial
            conv at zero. The layer is then the identity at initialisation
            (for a pretrained trunk) and every parameter gets gradient from
            the first step. Defaults to False (the paper's gates).
        keep_attention_map (bool): Keep the last maps (detached): the
            spatial map ``M_s`` (``N x 1 x H x W``) in ``attention_map`` and
            the channel weights ``M_c`` (``N x C x 1 x 1``) in
            ``channel_attention_map``. Defaults to False.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    _abbr_ = 'cbam'

    def __init__(self,
                 in_channels: int,
                 ratio: int = 16,
                 spatial_kernel_size: int = 7,
                 spatial_norm_cfg: OptConfigType = None,
                 identity_init: bool = False,
                 keep_attention_map: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self._init_attention_state(in_channels, keep_attention_map,
                                   identity_init)
        if spatial_kernel_size < 1 or spatial_kernel_size % 2 == 0:
            raise ValueError('CBAM needs an odd positive spatial_kernel_size, '
                             f'got {spatial_kernel_size}')
        hidden = max(in_channels // ratio, 1)
        self.channel_mlp = nn.Sequential(
            nn.Linear(in_channels, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, in_channels))
        self.spatial_conv = ConvModule(
            2,
            1,
            spatial_kernel_size,
            padding=spatial_kernel_size // 2,
            norm_cfg=spatial_norm_cfg,
            act_cfg=None)
        self.channel_attention_map: Optional[Tensor] = None
        if identity_init:
            self._init_identity()

    def _init_identity(self) -> None:
        """Make both gates ``2 * sigmoid(0) = 1``; see ``identity_init``."""
        init_identity_mlp(self.channel_mlp[0], self.channel_mlp[2])
        nn.init.zeros_(self.spatial_conv.conv.weight)
        if self.spatial_conv.conv.bias is not None:
            nn.init.zeros_(self.spatial_conv.conv.bias)
        if self.spatial_conv.with_norm:
            nn.init.zeros_(self.spatial_conv.norm.bias)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the channel gate, then the spatial gate.

        Args:
            x (Tensor): ``N x C x H x W`` feature map.

        Returns:
            Tensor: ``N x C x H x W``, ``x * M_c * M_s``.
        """
        self._check_input(x)
        n = x.size(0)
        # Both gates (pools, MLP / conv, sigmoid) in float32 under autocast
        # (precision.py); x is scaled in its own dtype.
        dtype = weight_dtype(x, self.spatial_conv.conv.weight)
        with autocast_off(x):
            # One MLP call on both pooled vectors: rows 0..N-1 avg, N..2N-1
            # max.
            pooled = torch.cat([
                x.mean(dim=(2, 3), dtype=dtype),
                x.amax(dim=(2, 3)).to(dtype)
            ])
            logits = self.channel_mlp(pooled)
            channel_w = self._gate(logits[:n] + logits[n:])[:, :, None, None]
        if self.keep_attention_map:
            self.channel_attention_map = channel_w.detach()
        x = x * channel_w.to(x.dtype)
        with autocast_off(x):
            pooled_c = torch.cat([
                x.mean(dim=1, keepdim=True, dtype=dtype),
                x.amax(dim=1, keepdim=True).to(dtype)
            ], dim=1)
            spatial_w = self._keep(self._gate(self.spatial_conv(pooled_c)))
        return x * spatial_w.to(x.dtype)
