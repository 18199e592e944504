"""Streamlined Attention Module (SAM): its authors' repository, no paper."""
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from .base import AttentionMapMixin, Gate, autocast_off

SAM_MODES = ('faithful', 'residual')


@MODELS.register_module()
class SAM(AttentionMapMixin, BaseModule):
    """Streamlined Attention Module: ``x * W GAP(x)``, ``W`` a bias-free
    ``C x C`` linear map, no sigmoid.

    Args:
        in_channels (int): Channels ``C`` of the input (and output).
        mode (str): ``'faithful'`` (the authors' form, default) or
            ``'residual'``: ``x * (1 + W GAP(x))``, ``W`` starting (and
            re-initialised) at zero, i.e. the identity.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    _abbr_ = 'sam'

    def __init__(self,
                 in_channels: int,
                 mode: str = 'faithful',
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if mode not in SAM_MODES:
            raise ValueError(f'SAM mode must be one of {SAM_MODES}, '
                             f'got {mode!r}')
        self.in_channels = in_channels
        self.mode = mode
        self.identity_init = mode == 'residual'
        self.fc = nn.Linear(in_channels, in_channels, bias=False)
        self.gate = Gate(act_cfg=None, offset=1. if mode == 'residual' else 0.)
        if self.identity_init:
            self._init_identity()

    def _init_identity(self) -> None:
        nn.init.zeros_(self.fc.weight)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        with autocast_off(x):
            z = x.mean((2, 3), dtype=self.fc.weight.dtype)
            y = self.gate(self.fc(z)[:, :, None, None])
        return x * y.to(x.dtype)


def check_sam_start(cfg: dict, after_zero_init_norm: bool) -> None:
    """Raise a ValueError for an attention config ``cfg`` of a faithful SAM
    ``after_zero_init_norm`` (a norm with weight 0 at the start), whose
    branch would get zero output and gradient for ever."""
    layer_type = cfg.get('type')
    if isinstance(layer_type, str):
        layer_type = MODELS.get(layer_type)
    if (after_zero_init_norm and layer_type is SAM
            and cfg.get('mode', 'faithful') == 'faithful'):
        raise ValueError(
            "SAM(mode='faithful') after a zero-initialised norm gives its "
            'residual branch zero output and zero gradient, so the branch '
            "never trains: use attention=dict(type='SAM', mode='residual') "
            '(the identity at the start, then learnt), or zero_init_residual'
            '=False (or a pretrained init_cfg) so that the norm starts at one')
