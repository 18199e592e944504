"""Behaviour shared by every attention layer of :mod:`mmdet_attn`.

Not a mechanism of its own: the mixin below gives each layer the same input
check and the same way of keeping its last attention map for visualisation.

Shape contract: the checked input is ``N x C x H x W`` with
``C == in_channels``; kept maps are detached tensors whose shape each layer
documents. Parameters: 0. FLOPs: 0 (a detach is a view, no copy).

Example:
    >>> import torch
    >>> from mmdet_attn.models.layers import ECA
    >>> eca = ECA(in_channels=64, keep_attention_map=True)
    >>> _ = eca(torch.rand(2, 64, 8, 8))
    >>> tuple(eca.attention_map.shape)
    (2, 64, 1, 1)
"""
import warnings
from typing import Optional, Tuple

import torch
import torch.nn as nn
from torch import Tensor


def init_identity_mlp(first: nn.Module, last: nn.Module) -> None:
    """Initialise ``last(relu(first(z)))`` to output zero for every ``z``.

    ``first``'s weight is zeroed and its bias set to one, so every hidden
    unit is one whatever the input; ``last``'s bias cancels the sum of its
    weights over them. Every parameter still gets gradient at the first step
    (zeroing ``last`` instead would cut the gradient to ``first``). Both
    layers need a bias; they are ``nn.Linear`` or 1x1 ``nn.Conv2d``.

    Args:
        first (nn.Module): The first projection.
        last (nn.Module): The last projection.

    Example:
        >>> import torch
        >>> first, last = nn.Linear(8, 2), nn.Linear(2, 8)
        >>> init_identity_mlp(first, last)
        >>> bool(last(first(torch.rand(3, 8)).relu()).abs().max() < 1e-6)
        True
    """
    nn.init.zeros_(first.weight)
    nn.init.ones_(first.bias)
    with torch.no_grad():
        last.bias.copy_(-last.weight.flatten(1).sum(1))


class AttentionMapMixin:
    """Input check and optional attention-map keeping for attention layers.

    A class that mixes this in sets ``in_channels``, ``keep_attention_map``,
    ``identity_init`` and ``attention_map`` in its constructor
    (:meth:`_init_attention_state`).
    While ``keep_attention_map`` is False (the default) nothing is stored, so
    the feature costs nothing; it is a plain attribute and can be switched on
    after construction, e.g. just before visualising one image.

    Attributes:
        in_channels (int): Channel count the layer is built for.
        keep_attention_map (bool): Whether forward keeps its last map.
        identity_init (bool): Whether the layer gates with
            ``2 * sigmoid`` and starts as the identity.
        attention_map (Tensor, optional): The last map, detached, or None.
    """

    in_channels: int
    keep_attention_map: bool
    identity_init: bool = False
    attention_map: Optional[Tensor]
    #: Whether ``forward`` takes a gating map ``g`` besides ``x``.
    takes_gating_map: bool = False
    #: Norm arguments that take the enclosing backbone's ``norm_cfg``.
    backbone_norm_args: Tuple[str, ...] = ()

    def _init_attention_state(self,
                              in_channels: int,
                              keep_attention_map: bool,
                              identity_init: bool = False) -> None:
        """Set the attributes shared by all attention layers.

        Args:
            in_channels (int): Channel count the layer is built for.
            keep_attention_map (bool): Whether forward keeps its last map.
            identity_init (bool): Whether the layer starts as the identity.
        """
        if in_channels < 1:
            raise ValueError(f'{type(self).__name__} needs in_channels >= 1, '
                             f'got {in_channels}')
        self.in_channels = in_channels
        self.keep_attention_map = keep_attention_map
        self.identity_init = identity_init
        self.attention_map = None

    def _gate(self, logits: Tensor) -> Tensor:
        """``sigmoid(logits)``, or ``2 * sigmoid(logits)`` (1 at zero
        logits) when the layer is built to start as the identity."""
        gate = logits.sigmoid()
        return 2 * gate if self.identity_init else gate

    def _init_identity(self) -> None:
        """Set the weights that make the layer the identity."""
        raise NotImplementedError

    def init_weights(self, *args, **kwargs) -> None:
        """Initialise as the layer's base class does (arguments passed on),
        then, with ``identity_init``, reset the weights that make the layer
        the identity (so that a parent's initialisation does not undo
        them)."""
        super().init_weights(*args, **kwargs)
        if self.identity_init:
            self._init_identity()

    def _check_input(self,
                     x: Tensor,
                     name: str = 'x',
                     channels_arg: str = 'in_channels',
                     batch: Optional[int] = None) -> None:
        """Raise a ValueError unless ``x`` is ``N x C x H x W`` as built.

        Under ``torch.jit.trace`` sizes are traced tensors: the check then
        runs once, at trace time, as intended, and the tracer's warning that
        it is not recorded in the graph is silenced.

        Args:
            x (Tensor): The input feature map.
            name (str): How the error message calls the input.
            channels_arg (str): Attribute holding the expected channel count.
            batch (int, optional): Expected batch size (that of ``x`` when
                checking a second input).
        """
        if not torch.jit.is_tracing():
            self._check_shape(x, name, channels_arg, batch)
            return
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', torch.jit.TracerWarning)
            self._check_shape(x, name, channels_arg, batch)

    def _check_shape(self, x: Tensor, name: str, channels_arg: str,
                     batch: Optional[int]) -> None:
        """The test of :meth:`_check_input`, with the same arguments."""
        cls_name = type(self).__name__
        if x.dim() != 4:
            raise ValueError(f'{cls_name} expects a 4-D N x C x H x W {name}, '
                             f'got shape {tuple(x.shape)}')
        channels = getattr(self, channels_arg)
        if x.size(1) != channels:
            raise ValueError(f'{cls_name} was built with {channels_arg}='
                             f'{channels} but {name} has {x.size(1)} channels')
        if batch is not None and x.size(0) != batch:
            raise ValueError(f'{cls_name} needs the same batch size for x and '
                             f'{name}, got {batch} (x) and {x.size(0)} '
                             f'({name})')

    def _keep(self, attention: Tensor) -> Tensor:
        """Store ``attention.detach()`` as ``attention_map`` when enabled.

        Args:
            attention (Tensor): The map the layer has just computed.

        Returns:
            Tensor: ``attention`` itself, unchanged.
        """
        if self.keep_attention_map:
            self.attention_map = attention.detach()
        return attention
