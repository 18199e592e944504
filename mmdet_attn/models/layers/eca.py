"""Efficient Channel Attention (ECA-Net, Wang et al., CVPR 2020)."""
import math
from typing import Optional

import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from .base import AttentionMapMixin, Gate
from .channel_ops import mean_keepdim, scale_channels
from .precision import autocast_off, weight_dtype


def eca_kernel_size(channels: int, gamma: float = 2, b: float = 1) -> int:
    """Kernel size from the channel count, Eq. 12 of ECA-Net as timm codes it.

    ``t = int(|log2(C) / gamma + b / gamma|)``, then ``t`` if odd, else
    ``t + 1``. The authors' own code sets ``k`` by hand instead
    (``docs/layers.md``).

    Args:
        channels (int): Channel count ``C``.
        gamma (float): ``gamma`` of Eq. 12. Defaults to 2.
        b (float): ``b`` of Eq. 12. Defaults to 1.

    Returns:
        int: The odd kernel size ``k``.

    Example:
        >>> [eca_kernel_size(c) for c in (64, 128, 256, 512, 1024, 2048)]
        [3, 5, 5, 5, 5, 7]
    """
    t = int(abs(math.log2(channels) / gamma + b / gamma))
    return t if t % 2 == 1 else t + 1


@MODELS.register_module()
class ECA(AttentionMapMixin, BaseModule):
    """Efficient Channel Attention.

    ``out = x * sigmoid(conv1d_k(GAP(x)))``: a bias-free 1-D convolution of
    odd size ``k`` across the pooled channels gives one weight per channel.

    Args:
        in_channels (int): Channels ``C`` of the input (and output).
        kernel_size (int, optional): Odd ``k``. None (default) takes
            :func:`eca_kernel_size` of ``in_channels``.
        gamma (float): ``gamma`` of :func:`eca_kernel_size`. Defaults to 2.
        b (float): ``b`` of :func:`eca_kernel_size`. Defaults to 1.
        dropout (float): Dropout on the conv output, before the sigmoid.
            Defaults to 0.
        identity_init (bool): Start the conv at zero and gate with
            ``2 * sigmoid``, so that the layer starts as the identity.
            Defaults to False.
        init_cfg (dict or list[dict], optional): Initialization config.

    Example:
        >>> import torch
        >>> eca = ECA(in_channels=256)
        >>> eca.kernel_size
        5
        >>> tuple(eca(torch.rand(2, 256, 7, 9)).shape)
        (2, 256, 7, 9)
    """

    _abbr_ = 'eca'

    def __init__(self,
                 in_channels: int,
                 kernel_size: Optional[int] = None,
                 gamma: float = 2,
                 b: float = 1,
                 dropout: float = 0.,
                 identity_init: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self._init_attention_state(in_channels, identity_init=identity_init)
        if kernel_size is None:
            kernel_size = eca_kernel_size(in_channels, gamma, b)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(
                f'ECA needs an odd positive kernel_size, got {kernel_size}')
        self.kernel_size = kernel_size
        self.conv = nn.Conv1d(
            1, 1, kernel_size, padding=(kernel_size - 1) // 2, bias=False)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.gate = Gate(scale=2. if identity_init else 1.)
        if identity_init:
            self._init_identity()

    def _init_identity(self) -> None:
        """Zero the 1-D conv: every weight is ``2 * sigmoid(0) = 1``."""
        nn.init.zeros_(self.conv.weight)

    def forward(self, x: Tensor) -> Tensor:
        """Scale each channel of ``x`` by its weight.

        Args:
            x (Tensor): ``N x C x H x W`` feature map.

        Returns:
            Tensor: ``N x C x H x W``.
        """
        self._check_input(x)
        dtype = weight_dtype(x, self.conv.weight)
        with autocast_off(x):
            z = mean_keepdim(x, (2, 3), dtype).view(x.size(0), 1, -1)
            logits = self.dropout(self.conv(z))
            w = self.gate(logits.transpose(1, 2).unsqueeze(-1))
        return scale_channels(x, w.to(x.dtype))
