"""Streamlined Attention Module (SAM), from its authors' repository."""
from typing import Union

import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from .base import AttentionMapMixin, Gate
from .channel_ops import mean_keepdim, scale_channels
from .precision import autocast_off, weight_dtype

SAM_MODES = ('faithful', 'residual')


@MODELS.register_module()
class SAM(AttentionMapMixin, BaseModule):
    """Streamlined Attention Module: ``x * W GAP(x)``, no sigmoid.

    ``W`` is a bias-free ``C x C`` linear map. ``mode='faithful'`` is the
    authors' form; ``mode='residual'`` computes ``x * (1 + W GAP(x))`` with
    ``W`` starting (and re-initialised) at zero, i.e. the identity at the
    start. A faithful SAM after a zero-initialised norm never trains:
    backbones refuse it with :func:`check_sam_start`.

    Args:
        in_channels (int): Channels ``C`` of the input (and output).
        mode (str): ``'faithful'`` (default) or ``'residual'``.
        init_cfg (dict or list[dict], optional): Initialization config.

    Example:
        >>> import torch
        >>> sam = SAM(in_channels=64, mode='residual')
        >>> x = torch.rand(2, 64, 7, 9)
        >>> torch.equal(sam(x), x)
        True
    """

    _abbr_ = 'sam'

    def __init__(self,
                 in_channels: int,
                 mode: str = 'faithful',
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self._init_attention_state(in_channels)
        if mode not in SAM_MODES:
            raise ValueError(f'SAM mode must be one of {SAM_MODES}, '
                             f'got {mode!r}')
        self.mode = mode
        self.fc = nn.Linear(in_channels, in_channels, bias=False)
        self.gate = Gate(act_cfg=None, offset=1. if mode == 'residual' else 0.)
        self._zero_residual()

    def _zero_residual(self) -> None:
        """Zero ``W`` in residual mode, so that the layer is the identity."""
        if self.mode == 'residual':
            nn.init.zeros_(self.fc.weight)

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then re-zero ``W`` in residual mode."""
        super().init_weights()
        self._zero_residual()

    def forward(self, x: Tensor) -> Tensor:
        """Multiply each channel of ``x`` by the linear map of the GAP.

        Args:
            x (Tensor): ``N x C x H x W`` feature map.

        Returns:
            Tensor: ``N x C x H x W``.
        """
        self._check_input(x)
        dtype = weight_dtype(x, self.fc.weight)
        with autocast_off(x):
            z = mean_keepdim(x, (2, 3), dtype).flatten(1)
            y = self.gate(self.fc(z)[:, :, None, None])
        return scale_channels(x, y.to(x.dtype))


def check_sam_start(cfg: dict, after_zero_init_norm: bool) -> None:
    """Refuse a faithful SAM that would sit after a zero-initialised norm.

    The faithful SAM has no identity path: when its input is exactly zero
    (a last BN of the residual branch initialised with weight 0, as ResNet
    does with ``zero_init_residual=True``), its output and every gradient
    through it are zero, so the branch never trains. Backbones call this
    with the layer config they are about to place there.

    Args:
        cfg (dict): The attention layer config, ``type`` a name or a class.
        after_zero_init_norm (bool): Whether the layer follows a norm whose
            weight is initialised to zero.

    Raises:
        ValueError: For a ``SAM`` in ``'faithful'`` mode (the default) when
            ``after_zero_init_norm`` is True; the message names the two
            ways out.

    Example:
        >>> check_sam_start(dict(type='SAM', mode='residual'), True)
        >>> check_sam_start(dict(type='SAM'), False)
    """
    layer_type: Union[str, type, None] = cfg.get('type')
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
