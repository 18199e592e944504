"""Squeeze-and-Excitation (Hu et al., CVPR 2018), on MMDetection's
``SELayer``."""
from mmdet.models.layers import SELayer
from mmdet.registry import MODELS
from mmdet.utils import MultiConfig, OptConfigType, OptMultiConfig
from torch import Tensor

from .base import AttentionMapMixin, Gate, init_identity_mlp
from .channel_ops import conv1x1_pooled, mean_keepdim, scale_channels
from .precision import autocast_off, weight_dtype


@MODELS.register_module()
class SE(AttentionMapMixin, SELayer):
    """Squeeze-and-Excitation: ``x * sigmoid(W2 relu(W1 GAP(x)))``.

    MMDetection's ``SELayer`` (same parameter names, so their weights load
    into each other) as a plugin of this package: ``in_channels``
    signature, input check, clear error for a zero hidden width, and its
    last activation as the :class:`Gate` submodule ``gate``.

    Args:
        in_channels (int): Channels ``C`` of the input (and output).
        ratio (int): Reduction ratio; the hidden width ``int(C / ratio)``
            must be at least 1. Defaults to 16.
        conv_cfg (dict, optional): Config of the two 1x1 convs. Defaults to
            None.
        act_cfg (dict or Sequence[dict]): Activations after the first conv
            and of the gate. Defaults to (ReLU, Sigmoid).
        identity_init (bool): Initialise so that every weight is
            ``2 * sigmoid(0) = 1``, i.e. the layer starts as the identity;
            needs the default ``act_cfg``. Defaults to False.
        init_cfg (dict or list[dict], optional): Initialization config.

    Example:
        >>> import torch
        >>> se = SE(in_channels=64, ratio=16)
        >>> tuple(se(torch.rand(2, 64, 7, 9)).shape)
        (2, 64, 7, 9)
    """

    _abbr_ = 'se_layer'

    def __init__(self,
                 in_channels: int,
                 ratio: int = 16,
                 conv_cfg: OptConfigType = None,
                 act_cfg: MultiConfig = (dict(type='ReLU'),
                                         dict(type='Sigmoid')),
                 identity_init: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        if int(in_channels / ratio) < 1:
            raise ValueError(
                f'SE needs int(in_channels / ratio) >= 1, got in_channels='
                f'{in_channels} and ratio={ratio}')
        if isinstance(act_cfg, dict):
            act_cfg = (act_cfg, act_cfg)
        super().__init__(
            channels=in_channels,
            ratio=ratio,
            conv_cfg=conv_cfg,
            act_cfg=act_cfg,
            init_cfg=init_cfg)
        self._init_attention_state(in_channels, identity_init=identity_init)
        # The squeeze is a mean in float32 under autocast (``forward``), not
        # SELayer's pooling module.
        del self.global_avgpool
        # The gate applies the second activation, so that hooks see the map;
        # ``forward`` runs the convs on the pooled vector as matrix products.
        del self.conv2.activate
        self.conv2.with_activation = False
        self.gate = Gate(act_cfg[1], scale=2. if identity_init else 1.)
        if identity_init:
            if list(act_cfg) != [dict(type='ReLU'), dict(type='Sigmoid')]:
                raise ValueError(
                    'SE(identity_init=True) needs the default act_cfg '
                    f'(ReLU, Sigmoid), got {act_cfg}')
            self._init_identity()

    def _init_identity(self) -> None:
        """Make every weight ``2 * sigmoid(0) = 1``; see ``identity_init``."""
        init_identity_mlp(self.conv1.conv, self.conv2.conv)

    def forward(self, x: Tensor) -> Tensor:
        """Scale each channel of ``x`` by its weight.

        Args:
            x (Tensor): ``N x C x H x W`` feature map.

        Returns:
            Tensor: ``N x C x H x W``.
        """
        self._check_input(x)
        dtype = weight_dtype(x, self.conv1.conv.weight)
        with autocast_off(x):
            z = mean_keepdim(x, (2, 3), dtype)
            hidden = self.conv1.activate(conv1x1_pooled(self.conv1.conv, z))
            w = self.gate(conv1x1_pooled(self.conv2.conv, hidden))
        return scale_channels(x, w.to(x.dtype))
