"""Convolutional Block Attention Module (CBAM, Woo et al., ECCV 2018)."""
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmdet.registry import MODELS
from mmdet.utils import OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from .base import AttentionMapMixin, Gate, init_identity_mlp
from .channel_ops import channel_max, mean_keepdim, scale_channels
from .precision import autocast_off, weight_dtype


class ChannelGate(BaseModule):
    """CBAM's channel attention map, ``sigmoid(MLP(avg) + MLP(max))``.

    One MLP, ``Linear(C, C_r)``-ReLU-``Linear(C_r, C)``, on the
    average- and max-pooled vectors. In training mode the maximum is taken
    with indices (``adaptive_max_pool2d``), whose backward is cheaper than
    ``amax``'s; in eval mode by ``amax``, whose forward is cheaper; the same
    values (``docs/layers.md``).

    Args:
        in_channels (int): Channels ``C``.
        hidden_channels (int): Hidden width ``C_r``.
        gate_scale (float): Scale of the :class:`Gate`. Defaults to 1.
        init_cfg (dict or list[dict], optional): Initialization config.

    Example:
        >>> import torch
        >>> gate = ChannelGate(64, 4)
        >>> tuple(gate(torch.rand(2, 64, 7, 9)).shape)
        (2, 64, 1, 1)
    """

    def __init__(self,
                 in_channels: int,
                 hidden_channels: int,
                 gate_scale: float = 1.,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.mlp = nn.Sequential(
            nn.Linear(in_channels, hidden_channels), nn.ReLU(inplace=True),
            nn.Linear(hidden_channels, in_channels))
        self.gate = Gate(scale=gate_scale)

    def forward(self, x: Tensor) -> Tensor:
        """The map ``M_c``, float32 under autocast.

        Args:
            x (Tensor): ``N x C x H x W`` feature map.

        Returns:
            Tensor: ``N x C x 1 x 1``.
        """
        n = x.size(0)
        dtype = weight_dtype(x, self.mlp[0].weight)
        with autocast_off(x):
            if self.training:
                maxed = F.adaptive_max_pool2d(x, 1).flatten(1)
            else:
                maxed = x.amax(dim=(2, 3))
            mean = mean_keepdim(x, (2, 3), dtype).flatten(1)
            # One MLP call: rows 0..N-1 average-pooled, N..2N-1 max-pooled.
            pooled = torch.cat([mean, maxed.to(dtype)])
            logits = self.mlp(pooled)
            return self.gate((logits[:n] + logits[n:])[:, :, None, None])


class SpatialGate(BaseModule):
    """CBAM's spatial attention map, ``sigmoid(conv([mean_c; max_c]))``.

    The channel maximum and mean are :func:`channel_max` and
    :func:`mean_keepdim` (``amax`` and ``mean`` with lighter backward
    passes); the pooled two-channel map is convolved channels-last.

    Args:
        kernel_size (int): Odd size of the conv. Defaults to 7.
        norm_cfg (dict, optional): Norm after the conv. Defaults to None.
        gate_scale (float): Scale of the :class:`Gate`. Defaults to 1.
        init_cfg (dict or list[dict], optional): Initialization config.

    Example:
        >>> import torch
        >>> gate = SpatialGate()
        >>> tuple(gate(torch.rand(2, 64, 7, 9)).shape)
        (2, 1, 7, 9)
    """

    def __init__(self,
                 kernel_size: int = 7,
                 norm_cfg: OptConfigType = None,
                 gate_scale: float = 1.,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.conv = ConvModule(
            2,
            1,
            kernel_size,
            padding=kernel_size // 2,
            norm_cfg=norm_cfg,
            act_cfg=None)
        self.gate = Gate(scale=gate_scale)

    def forward(self, x: Tensor) -> Tensor:
        """The map ``M_s``, float32 under autocast.

        Args:
            x (Tensor): ``N x C x H x W`` feature map.

        Returns:
            Tensor: ``N x 1 x H x W``.
        """
        dtype = weight_dtype(x, self.conv.conv.weight)
        with autocast_off(x):
            maxed = channel_max(x)
            mean = mean_keepdim(x, (1, ), dtype)
            pooled = torch.cat([mean, maxed.to(dtype)], dim=1)
            # A two-channel map convolves faster channels-last on CPU.
            pooled = pooled.contiguous(memory_format=torch.channels_last)
            return self.gate(self.conv(pooled))


@MODELS.register_module()
class CBAM(AttentionMapMixin, BaseModule):
    """Convolutional Block Attention Module: ``x' = x * M_c(x)``, then
    ``out = x' * M_s(x')`` (:class:`ChannelGate`, :class:`SpatialGate`).

    Checkpoints of the earlier layout (``channel_mlp.*``,
    ``spatial_conv.*``) load into ``channel_gate.mlp.*`` and
    ``spatial_gate.conv.*``.

    Args:
        in_channels (int): Channels ``C`` of the input (and output).
        ratio (int): Reduction ratio; hidden width ``max(C // ratio, 1)``.
            Defaults to 16.
        spatial_kernel_size (int): Odd size of the spatial conv.
            Defaults to 7.
        spatial_norm_cfg (dict, optional): Norm after the spatial conv,
            e.g. ``dict(type='BN')`` as in the authors' code. Defaults to
            None (the paper's Eq. 3).
        identity_init (bool): Initialise both maps to ``2 * sigmoid(0) =
            1``, so that the layer starts as the identity. Defaults to
            False.
        init_cfg (dict or list[dict], optional): Initialization config.

    Example:
        >>> import torch
        >>> cbam = CBAM(in_channels=64)
        >>> tuple(cbam(torch.rand(2, 64, 7, 9)).shape)
        (2, 64, 7, 9)
    """

    _abbr_ = 'cbam'
    #: Key prefixes of the earlier layout and their places now.
    _renamed_keys = (('channel_mlp.', 'channel_gate.mlp.'),
                     ('spatial_conv.', 'spatial_gate.conv.'))

    def __init__(self,
                 in_channels: int,
                 ratio: int = 16,
                 spatial_kernel_size: int = 7,
                 spatial_norm_cfg: OptConfigType = None,
                 identity_init: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self._init_attention_state(in_channels, identity_init=identity_init)
        if spatial_kernel_size < 1 or spatial_kernel_size % 2 == 0:
            raise ValueError('CBAM needs an odd positive spatial_kernel_size, '
                             f'got {spatial_kernel_size}')
        gate_scale = 2. if identity_init else 1.
        self.channel_gate = ChannelGate(in_channels,
                                        max(in_channels // ratio, 1),
                                        gate_scale)
        self.spatial_gate = SpatialGate(spatial_kernel_size, spatial_norm_cfg,
                                        gate_scale)
        if identity_init:
            self._init_identity()

    def _init_identity(self) -> None:
        """Make both maps ``2 * sigmoid(0) = 1``; see ``identity_init``."""
        mlp, conv = self.channel_gate.mlp, self.spatial_gate.conv
        init_identity_mlp(mlp[0], mlp[2])
        nn.init.zeros_(conv.conv.weight)
        if conv.conv.bias is not None:
            nn.init.zeros_(conv.conv.bias)
        if conv.with_norm:
            nn.init.zeros_(conv.norm.bias)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args,
                              **kwargs) -> None:
        """Move keys of the earlier layout to their places, then load."""
        old_keys: List[str] = [k for k in state_dict if k.startswith(prefix)]
        for key in old_keys:
            for old, new in self._renamed_keys:
                if key.startswith(prefix + old):
                    state_dict[prefix + new +
                               key[len(prefix + old):]] = state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the channel map, then the spatial map.

        Args:
            x (Tensor): ``N x C x H x W`` feature map.

        Returns:
            Tensor: ``N x C x H x W``.
        """
        self._check_input(x)
        x = scale_channels(x, self.channel_gate(x).to(x.dtype))
        return x * self.spatial_gate(x).to(x.dtype)
