"""Efficient Channel Attention (ECA).

Paper: Q. Wang, B. Wu, P. Zhu, P. Li, W. Zuo and Q. Hu, "ECA-Net: Efficient
Channel Attention for Deep Convolutional Neural Networks", CVPR 2020,
https://arxiv.org/abs/1910.03151

Formula, for ``x`` of shape ``N x C x H x W``::

    z_c = 1 / (H W) * sum_{i,j} x_{c,i,j}          (global average pool)
    w   = sigmoid(conv1d_k(z))                      (1-D conv across channels)
    out = x * w                                     (channel-wise scale)

``conv1d_k`` is one bias-free 1-D convolution of odd size ``k`` sliding over
the channel axis with zero padding ``(k - 1) / 2``. The paper picks ``k``
from ``C`` (Eq. 12, gamma=2, b=1)::

    k = psi(C) = | log2(C) / gamma + b / gamma |_odd

with ``|t|_odd`` ("the nearest odd number of t") read as in the authors'
code: ``t = int(|.|)``, then ``k = t`` when ``t`` is odd and ``t + 1``
otherwise, e.g. C = 64 -> 3, 128/256/512/1024 -> 5, 2048 -> 7. (The paper's
count of 80 parameters on ResNet-50 implies k = 5 at C = 2048, a tie at
t = 6 rounded down; the code's rule, used here, gives 86.)

Shape contract: ``N x C x H x W -> N x C x H x W`` for any N, H, W >= 1.

Cost: ``k`` parameters. FLOPs: ``N C H W`` additions (pool) + ``N C k``
multiply-adds (conv) + ``N C`` sigmoids + ``N C H W`` multiplications
(scale), i.e. about ``2 N C H W``: the layer is bound by memory traffic.

Example:
    >>> import torch
    >>> from mmdet_attn.models.layers import ECA
    >>> eca = ECA(in_channels=256)
    >>> eca.kernel_size
    5
    >>> eca(torch.rand(2, 256, 7, 9)).shape
    torch.Size([2, 256, 7, 9])
"""
import math
from typing import Optional

import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from .base import AttentionMapMixin
from .precision import autocast_off, weight_dtype


def eca_kernel_size(channels: int, gamma: float = 2, b: float = 1) -> int:
    """Adaptive kernel size of ECA-Net, Eq. 12 (as in the authors' code).

    Args:
        channels (int): Channel count ``C``.
        gamma (float): ``gamma`` of the paper. Defaults to 2.
        b (float): ``b`` of the paper. Defaults to 1.

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
    """Efficient Channel Attention; see the module docstring for the formula.

    The seed configuration (fixed ``k = 3``, dropout 0.5 between the 1-D
    conv and the sigmoid) is ``ECA(C, kernel_size=3, dropout=0.5)``; unlike
    the seed, dropout here is a standard ``nn.Dropout``, inactive in eval.

    Args:
        in_channels (int): Channels ``C`` of the input (and output).
        kernel_size (int, optional): Odd size ``k`` of the 1-D conv. None
            (default) picks it from ``in_channels`` as the paper does.
        gamma (float): ``gamma`` of the adaptive rule. Defaults to 2.
        b (float): ``b`` of the adaptive rule. Defaults to 1.
        dropout (float): Dropout probability on the conv output, before the
            sigmoid. Defaults to 0 (none).
        identity_init (bool): Gate with ``2 * sigmoid`` and start the 1-D
            conv at zero, so that the layer is the identity at
            initialisation (for a pretrained trunk); the conv gets gradient
            from the first step. Defaults to False (the paper's gate).
        keep_attention_map (bool): Keep the last ``N x C x 1 x 1`` weights
            ``w`` (detached) in ``attention_map``. Defaults to False.
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
                 keep_attention_map: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self._init_attention_state(in_channels, keep_attention_map,
                                   identity_init)
        if kernel_size is None:
            kernel_size = eca_kernel_size(in_channels, gamma, b)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(
                f'ECA needs an odd positive kernel_size, got {kernel_size}')
        self.kernel_size = kernel_size
        self.conv = nn.Conv1d(
            1, 1, kernel_size, padding=(kernel_size - 1) // 2, bias=False)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        if identity_init:
            self._init_identity()

    def _init_identity(self) -> None:
        """Zero the 1-D conv: every gate is ``2 * sigmoid(0) = 1``."""
        nn.init.zeros_(self.conv.weight)

    def forward(self, x: Tensor) -> Tensor:
        """Scale each channel of ``x`` by its ECA weight.

        Args:
            x (Tensor): ``N x C x H x W`` feature map.

        Returns:
            Tensor: ``N x C x H x W``, ``x * w``.
        """
        self._check_input(x)
        # Pool, conv and sigmoid in float32 under autocast (precision.py).
        dtype = weight_dtype(x, self.conv.weight)
        with autocast_off(x):
            z = x.mean(dim=(2, 3), dtype=dtype).unsqueeze(1)  # N x 1 x C
            w = self._gate(self.dropout(self.conv(z)))
        w = self._keep(w.transpose(1, 2).unsqueeze(-1))  # N x C x 1 x 1
        return x * w.to(x.dtype)
