"""Streamlined Attention Module (SAM).

Source: the "Streamlined Attention Module" repository (its README and code;
we found no paper for it), proposed for fine-grained recognition with
ImageNet-pretrained ResNets and placed where SE sits (after the last BN of
the residual branch, before the addition).

Formula, for ``x`` of shape ``N x C x H x W`` and a bias-free ``W: C x C``::

    y   = W GAP(x)                        (N x C, no gate, no bias)
    out = x * y          mode='faithful'  (the seed's "second-order" term)
    out = x * (1 + y)    mode='residual'  (W starts at zero)

The faithful form has no sigmoid: the output scale follows the input mean
and the Linear initialisation, so inserting it into a pretrained trunk
changes every activation at step 0. The residual form, ``x + x * y``, keeps
the same second-order term on top of an identity path; with ``W = 0`` at
initialisation it returns ``x`` exactly, so a pretrained trunk starts
undisturbed and the term is learnt from there. ``W`` is reset to zero again
by :meth:`SAM.init_weights`, so a parent's initialisation does not undo it.

Shape contract: ``N x C x H x W -> N x C x H x W`` for any N, C, H, W >= 1.

Cost: ``C^2`` parameters. FLOPs: ``N C H W`` (pool) + ``N C^2``
multiply-adds (Linear) + ``N C H W`` (scale), i.e. about ``2 N C H W``.

Example:
    >>> import torch
    >>> from mmdet_attn.models.layers import SAM
    >>> sam = SAM(in_channels=64, mode='residual')
    >>> x = torch.rand(2, 64, 7, 9)
    >>> torch.equal(sam(x), x)
    True
"""
from typing import Union

import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from .base import AttentionMapMixin
from .precision import autocast_off, weight_dtype

SAM_MODES = ('faithful', 'residual')


@MODELS.register_module()
class SAM(AttentionMapMixin, BaseModule):
    """Streamlined Attention Module; formula in the module docstring.

    Args:
        in_channels (int): Channels ``C`` of the input (and output).
        mode (str): ``'faithful'`` (default), the seed's ``x * W GAP(x)``
            with PyTorch's default Linear initialisation; or
            ``'residual'``, ``x * (1 + W GAP(x))`` with ``W`` zero-initialised,
            which is the identity at step 0 (use it in a pretrained trunk).
        keep_attention_map (bool): Keep the last per-channel multiplier
            applied to ``x`` (``y`` or ``1 + y``, ``N x C x 1 x 1``,
            detached) in ``attention_map``. Defaults to False.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    _abbr_ = 'sam'

    def __init__(self,
                 in_channels: int,
                 mode: str = 'faithful',
                 keep_attention_map: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self._init_attention_state(in_channels, keep_attention_map)
        if mode not in SAM_MODES:
            raise ValueError(f'SAM mode must be one of {SAM_MODES}, '
                             f'got {mode!r}')
        self.mode = mode
        self.fc = nn.Linear(in_channels, in_channels, bias=False)
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
            Tensor: ``N x C x H x W``, ``x * y`` or ``x * (1 + y)``.
        """
        self._check_input(x)
        # Pool and Linear in float32 under autocast (precision.py).
        dtype = weight_dtype(x, self.fc.weight)
        with autocast_off(x):
            y = self.fc(x.mean(dim=(2, 3), dtype=dtype))[:, :, None, None]
            if self.mode == 'residual':
                y = y + 1
        return x * self._keep(y).to(x.dtype)


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

