"""Shared by the attention layers: gate, identity start, checks, autocast."""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer
from mmdet.utils import OptConfigType
from torch import Tensor


def autocast_off(x: Tensor) -> torch.autocast:
    """Autocast off on ``x``'s device: inside, the small tensors that become
    the weights run in the parameters' dtype (float32 under autocast)."""
    return torch.autocast(x.device.type, enabled=False)


def one_channel_norm(norm_cfg: OptConfigType) -> OptConfigType:
    """``norm_cfg`` for a norm over one channel: GroupNorm with one group."""
    if norm_cfg is not None and norm_cfg.get('type') == 'GN':
        return dict(norm_cfg, num_groups=1)
    return norm_cfg


def init_identity_mlp(first: nn.Module, last: nn.Module) -> None:
    """Make ``last(relu(first(z)))`` zero for every ``z``, every parameter
    still getting gradient; both are ``nn.Linear`` or 1x1 ``nn.Conv2d``
    with bias."""
    nn.init.zeros_(first.weight)
    nn.init.ones_(first.bias)
    with torch.no_grad():
        last.bias.copy_(-last.weight.flatten(1).sum(1))


class Gate(nn.Module):
    """``scale * act(logits) + offset``: the attention map, which forward
    hooks (the visualiser's) read.

    Args:
        act_cfg (dict, optional): Activation (None: none). Default: Sigmoid.
        scale (float): Factor after the activation. Defaults to 1.
        offset (float): Added last. Defaults to 0.
    """

    def __init__(self,
                 act_cfg: OptConfigType = dict(type='Sigmoid'),
                 scale: float = 1.,
                 offset: float = 0.) -> None:
        super().__init__()
        self.act = None if act_cfg is None else build_activation_layer(act_cfg)
        self.scale = scale
        self.offset = offset

    def forward(self, logits: Tensor) -> Tensor:
        out = logits if self.act is None else self.act(logits)
        if self.scale != 1:
            out = out * self.scale
        return out + self.offset if self.offset else out

    def extra_repr(self) -> str:
        return f'scale={self.scale}, offset={self.offset}'


class AttentionMapMixin:
    """Base of this package's attention layers. A layer sets ``in_channels``
    and, to start as the identity, ``identity_init`` and ``_init_identity``,
    which ``init_weights`` applies again after the parent's."""

    in_channels: int
    identity_init: bool = False

    def _init_identity(self) -> None:
        raise NotImplementedError

    def init_weights(self, *args, **kwargs) -> None:
        super().init_weights(*args, **kwargs)
        if self.identity_init:
            self._init_identity()

    def _check_input(self,
                     x: Tensor,
                     name: str = 'x',
                     channels_arg: str = 'in_channels',
                     batch: Optional[int] = None) -> None:
        """Raise a ValueError unless ``x`` is ``N x C x H x W``, ``C`` the
        attribute ``channels_arg`` and ``N`` = ``batch`` if given (not under
        ``torch.jit.trace``, where sizes are traced values)."""
        if torch.jit.is_tracing():
            return
        cls, channels = type(self).__name__, getattr(self, channels_arg)
        if x.dim() != 4:
            raise ValueError(f'{cls} expects a 4-D N x C x H x W {name}, '
                             f'got shape {tuple(x.shape)}')
        if x.size(1) != channels:
            raise ValueError(f'{cls} was built with {channels_arg}={channels} '
                             f'but {name} has {x.size(1)} channels')
        if batch is not None and x.size(0) != batch:
            raise ValueError(f'{cls} needs the same batch size for x and '
                             f'{name}, got {batch} (x) and {x.size(0)} '
                             f'({name})')
