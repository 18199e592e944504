"""ECA-Net: Efficient Channel Attention (Wang et al., CVPR 2020)."""
import math
from typing import Optional

import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from .base import AttentionMapMixin, Gate, autocast_off


def eca_kernel_size(channels: int, gamma: float = 2, b: float = 1) -> int:
    """Kernel size by Eq. 12 as timm codes it: ``t = int(|log2(C) / gamma +
    b / gamma|)`` if odd, else ``t + 1``.

    Example:
        >>> [eca_kernel_size(c) for c in (64, 128, 256, 512, 1024, 2048)]
        [3, 5, 5, 5, 5, 7]
    """
    t = int(abs(math.log2(channels) / gamma + b / gamma))
    return t if t % 2 == 1 else t + 1


@MODELS.register_module()
class ECA(AttentionMapMixin, BaseModule):
    """Efficient Channel Attention: ``x * sigmoid(conv1d_k(GAP(x)))``.

    Args:
        in_channels (int): Channels ``C`` of the input (and output).
        kernel_size (int, optional): Odd size of the 1-D conv across
            channels. Defaults to None: :func:`eca_kernel_size`.
        gamma (float): ``gamma`` of :func:`eca_kernel_size`. Defaults to 2.
        b (float): ``b`` of :func:`eca_kernel_size`. Defaults to 1.
        dropout (float): Dropout before the sigmoid. Defaults to 0.
        identity_init (bool): Start as the identity (zero conv, gate
            ``2 * sigmoid``). Defaults to False.
        init_cfg (dict or list[dict], optional): Initialization config.
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
        if kernel_size is None:
            kernel_size = eca_kernel_size(in_channels, gamma, b)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(
                f'ECA needs an odd positive kernel_size, got {kernel_size}')
        self.in_channels = in_channels
        self.kernel_size = kernel_size
        self.identity_init = identity_init
        self.conv = nn.Conv1d(
            1, 1, kernel_size, padding=kernel_size // 2, bias=False)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.gate = Gate(scale=2. if identity_init else 1.)
        if identity_init:
            self._init_identity()

    def _init_identity(self) -> None:
        nn.init.zeros_(self.conv.weight)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        with autocast_off(x):
            z = x.mean((2, 3), dtype=self.conv.weight.dtype)  # N x C
            logits = self.dropout(self.conv(z[:, None]))  # N x 1 x C
            w = self.gate(logits[:, 0, :, None, None])  # N x C x 1 x 1
        return x * w.to(x.dtype)
