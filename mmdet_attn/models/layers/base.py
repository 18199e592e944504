"""What every attention layer of this package shares: the gate that outputs
its attention map, the input check and the identity start."""
import warnings
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer
from mmdet.utils import OptConfigType
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


class Gate(nn.Module):
    """The step that turns logits into an attention layer's map.

    Its output is the map the layer multiplies its input by, so a forward
    hook on it reads the map (the visualiser does); it has no parameters.

    Args:
        act_cfg (dict, optional): Activation, e.g. ``dict(type='Sigmoid')``
            (default); None passes the logits through.
        scale (float): Factor applied after the activation. Defaults to 1.
        offset (float): Added last. Defaults to 0.

    Example:
        >>> import torch
        >>> gate = Gate(scale=2.)
        >>> gate(torch.zeros(1, 3, 1, 1)).flatten().tolist()
        [1.0, 1.0, 1.0]
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
        """Return ``scale * act(logits) + offset``.

        Args:
            logits (Tensor): The layer's pre-activation map.

        Returns:
            Tensor: The attention map, shaped as ``logits``.
        """
        out = logits if self.act is None else self.act(logits)
        if self.scale != 1:
            out = out * self.scale
        return out + self.offset if self.offset else out

    def extra_repr(self) -> str:
        """Scale and offset, when not the identity's."""
        return f'scale={self.scale}, offset={self.offset}'


class AttentionMapMixin:
    """Input check and identity start shared by the attention layers.

    Each layer calls :meth:`_init_attention_state` in its constructor and
    computes its map with a :class:`Gate` submodule.

    Attributes:
        in_channels (int): Channel count the layer is built for.
        identity_init (bool): Whether the layer starts as the identity.
        takes_gating_map (bool): Whether ``forward`` takes a gating map.
        backbone_norm_args (tuple[str]): Norm arguments that take the
            enclosing backbone's ``norm_cfg``.
    """

    in_channels: int
    identity_init: bool = False
    #: Whether ``forward`` takes a gating map ``g`` besides ``x``.
    takes_gating_map: bool = False
    #: Norm arguments that take the enclosing backbone's ``norm_cfg``.
    backbone_norm_args: Tuple[str, ...] = ()

    def _init_attention_state(self,
                              in_channels: int,
                              identity_init: bool = False) -> None:
        """Check and set ``in_channels`` and ``identity_init``.

        Args:
            in_channels (int): Channel count the layer is built for.
            identity_init (bool): Whether the layer starts as the identity.
        """
        if in_channels < 1:
            raise ValueError(f'{type(self).__name__} needs in_channels >= 1, '
                             f'got {in_channels}')
        self.in_channels = in_channels
        self.identity_init = identity_init

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
