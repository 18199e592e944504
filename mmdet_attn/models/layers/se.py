"""Squeeze-and-Excitation (SE).

Paper: J. Hu, L. Shen, S. Albanie, G. Sun and E. Wu, "Squeeze-and-Excitation
Networks", CVPR 2018 / TPAMI 2020, https://arxiv.org/abs/1709.01507

Formula, for ``x`` of shape ``N x C x H x W`` and reduction ratio ``r``::

    z   = GAP(x)                                    (N x C)
    w   = sigmoid(W2 relu(W1 z + b1) + b2)          (W1: C/r x C, W2: C x C/r)
    out = x * w                                     (channel-wise scale)

This reuses :class:`mmdet.models.layers.SELayer`, which computes exactly
that with two 1x1 ``ConvModule`` (its default ``act_cfg`` is ReLU then
Sigmoid, the paper's form, and its hidden width is ``int(C / r)``). The
subclass adds only what a plugin of this library needs: the ``in_channels``
signature used by ``build_plugin_layer``, the channel check, a clear error
when ``int(C / r) == 0`` and the optional kept map. Parameter names are
SELayer's, so their weights load into each other.

Shape contract: ``N x C x H x W -> N x C x H x W`` for any N, H, W >= 1 and
``C >= r``.

Cost, with ``C_r = int(C / r)``: ``2 C C_r + C_r + C`` parameters. FLOPs:
``N C H W`` (pool) + ``2 N C C_r`` multiply-adds (the two FCs) + ``N C H W``
(scale), i.e. about ``2 N C H W``.

Example:
    >>> import torch
    >>> from mmdet_attn.models.layers import SE
    >>> se = SE(in_channels=64, ratio=16)
    >>> se(torch.rand(2, 64, 7, 9)).shape
    torch.Size([2, 64, 7, 9])
"""
from mmdet.models.layers import SELayer
from mmdet.registry import MODELS
from mmdet.utils import MultiConfig, OptConfigType, OptMultiConfig
from torch import Tensor

from .base import AttentionMapMixin, init_identity_mlp
from .precision import autocast_off, weight_dtype


@MODELS.register_module()
class SE(AttentionMapMixin, SELayer):
    """Squeeze-and-Excitation; see the module docstring for the formula.

    Args:
        in_channels (int): Channels ``C`` of the input (and output).
        ratio (int): Reduction ratio ``r``; the hidden width is
            ``int(C / r)``, which must be at least 1. Defaults to 16.
        conv_cfg (dict, optional): Config of the two 1x1 convolutions.
            Defaults to None (``nn.Conv2d``).
        act_cfg (dict or Sequence[dict]): Activations after the first and
            second conv. Defaults to (ReLU, Sigmoid), the paper's.
        identity_init (bool): Gate with ``2 * sigmoid`` and initialise the
            two convs so that every gate is 1 (first conv weight zero with
            bias one, second conv bias cancelling its weights): the layer
            is the identity at initialisation (for a pretrained trunk) and
            every parameter gets gradient from the first step. Needs the
            default ``act_cfg``. Defaults to False.
        keep_attention_map (bool): Keep the last ``N x C x 1 x 1`` weights
            ``w`` (detached) in ``attention_map``. Defaults to False.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    _abbr_ = 'se_layer'

    def __init__(self,
                 in_channels: int,
                 ratio: int = 16,
                 conv_cfg: OptConfigType = None,
                 act_cfg: MultiConfig = (dict(type='ReLU'),
                                         dict(type='Sigmoid')),
                 identity_init: bool = False,
                 keep_attention_map: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        if int(in_channels / ratio) < 1:
            raise ValueError(
                f'SE needs int(in_channels / ratio) >= 1, got in_channels='
                f'{in_channels} and ratio={ratio}')
        super().__init__(
            channels=in_channels,
            ratio=ratio,
            conv_cfg=conv_cfg,
            act_cfg=act_cfg,
            init_cfg=init_cfg)
        self._init_attention_state(in_channels, keep_attention_map,
                                   identity_init)
        if identity_init:
            if list(act_cfg) != [dict(type='ReLU'), dict(type='Sigmoid')]:
                raise ValueError(
                    'SE(identity_init=True) needs the default act_cfg '
                    f'(ReLU, Sigmoid), got {act_cfg}')
            self._init_identity()

    def _init_identity(self) -> None:
        """Make every gate ``2 * sigmoid(0) = 1``; see ``identity_init``."""
        init_identity_mlp(self.conv1.conv, self.conv2.conv)

    def forward(self, x: Tensor) -> Tensor:
        """Scale each channel of ``x`` by its SE weight.

        Args:
            x (Tensor): ``N x C x H x W`` feature map.

        Returns:
            Tensor: ``N x C x H x W``, ``x * w``.
        """
        self._check_input(x)
        # Pool, both FCs and sigmoid in float32 under autocast
        # (precision.py); the mean is SELayer's global_avgpool.
        dtype = weight_dtype(x, self.conv1.conv.weight)
        with autocast_off(x):
            z = x.mean(dim=(2, 3), keepdim=True, dtype=dtype)
            w = self.conv2(self.conv1(z))
            if self.identity_init:
                w = 2 * w
        return x * self._keep(w).to(x.dtype)
