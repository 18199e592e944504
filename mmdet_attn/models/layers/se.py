"""Squeeze-and-Excitation Networks (Hu et al., CVPR 2018)."""
from mmcv.cnn import ConvModule
from mmdet.registry import MODELS
from mmdet.utils import MultiConfig, OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from .base import AttentionMapMixin, Gate, autocast_off, init_identity_mlp


@MODELS.register_module()
class SE(AttentionMapMixin, BaseModule):
    """Squeeze-and-Excitation: ``x * sigmoid(W2 relu(W1 GAP(x)))``.

    Parameter names as MMDetection's ``SELayer`` and MMPretrain's SE-ResNet
    (``conv1.conv.*``, ``conv2.conv.*``): their weights load as they are.

    Args:
        in_channels (int): Channels ``C`` of the input (and output).
        ratio (int): Hidden width ``int(C / ratio)``, >= 1. Defaults to 16.
        conv_cfg (dict, optional): Config of the 1x1 convs. Defaults to None.
        act_cfg (dict or Sequence[dict]): Activations of the hidden layer
            and of the gate (one dict: both). Defaults to (ReLU, Sigmoid).
        identity_init (bool): Start as the identity (gate ``2 * sigmoid``);
            needs the default ``act_cfg``. Defaults to False.
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
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        hidden = int(in_channels / ratio)
        if hidden < 1:
            raise ValueError(
                f'SE needs int(in_channels / ratio) >= 1, got in_channels='
                f'{in_channels} and ratio={ratio}')
        if isinstance(act_cfg, dict):
            act_cfg = (act_cfg, act_cfg)
        if identity_init and list(act_cfg) != [
                dict(type='ReLU'), dict(type='Sigmoid')
        ]:
            raise ValueError('SE(identity_init=True) needs the default '
                             f'act_cfg (ReLU, Sigmoid), got {act_cfg}')
        self.in_channels = in_channels
        self.identity_init = identity_init
        self.conv1 = ConvModule(
            in_channels, hidden, 1, conv_cfg=conv_cfg, act_cfg=act_cfg[0])
        self.conv2 = ConvModule(
            hidden, in_channels, 1, conv_cfg=conv_cfg, act_cfg=None)
        self.gate = Gate(act_cfg[1], scale=2. if identity_init else 1.)
        if identity_init:
            self._init_identity()

    def _init_identity(self) -> None:
        init_identity_mlp(self.conv1.conv, self.conv2.conv)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        with autocast_off(x):
            dtype = self.conv1.conv.weight.dtype
            z = x.mean((2, 3), keepdim=True, dtype=dtype)  # squeeze
            w = self.gate(self.conv2(self.conv1(z)))  # excitation
        return x * w.to(x.dtype)
