"""Residual Attention Network backbones (Attention-56, Attention-92,
AttentionNeXt-56); see ``docs/backbones/residual_attention.md``."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn import (ConvModule, build_activation_layer, build_conv_layer,
                      build_norm_layer)
from mmdet.models.backbones.resnext import Bottleneck as ResNeXtBottleneck
from mmdet.registry import MODELS
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from ..layers.base import AttentionMapMixin, Gate
from .base import FrozenStagesMixin, check_stage_args


class PreActBottleneck(BaseModule):
    """Pre-activation bottleneck residual unit, optionally grouped.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels (4 x the bottleneck planes).
        stride (int): Stride of the 3x3 conv. Defaults to 1.
        groups (int): Groups of the 3x3 conv. Defaults to 1.
        base_width (int): Channels per group for 64 planes, as in
            MMDetection's ResNeXt. Defaults to 64.
        conv_cfg (dict, optional): Conv layer config. Defaults to None.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation config. Defaults to ``dict(type='ReLU')``.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to None.
    """

    expansion = 4

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 groups: int = 1,
                 base_width: int = 64,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='ReLU'),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        planes = out_channels // self.expansion
        mid_channels = planes * base_width // 64 * groups
        if mid_channels < 1:
            raise ValueError(
                f'PreActBottleneck with out_channels={out_channels}, '
                f'groups={groups}, base_width={base_width} has no bottleneck '
                'channels; use out_channels >= 256 * 64 / (base_width * '
                'groups)')
        self.preact = nn.Sequential(
            build_norm_layer(norm_cfg, in_channels)[1],
            build_activation_layer(act_cfg))
        preact = dict(
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            bias=False,
            order=('norm', 'act', 'conv'))
        self.conv1 = ConvModule(
            in_channels,
            mid_channels,
            1,
            conv_cfg=conv_cfg,
            norm_cfg=None,
            act_cfg=None,
            bias=False)
        self.conv2 = ConvModule(
            mid_channels,
            mid_channels,
            3,
            stride=stride,
            padding=1,
            groups=groups,
            **preact)
        self.conv3 = ConvModule(mid_channels, out_channels, 1, **preact)
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = ConvModule(
                in_channels,
                out_channels,
                1,
                stride=stride,
                conv_cfg=conv_cfg,
                norm_cfg=None,
                act_cfg=None,
                bias=False)

    def forward(self, x: Tensor) -> Tensor:
        """Forward function."""
        pre = self.preact(x)
        identity = x if self.shortcut is None else self.shortcut(pre)
        return self.conv3(self.conv2(self.conv1(pre))) + identity


def post_activation_unit(
    in_channels: int,
    out_channels: int,
    stride: int = 1,
    groups: int = 1,
    base_width: int = 64,
    conv_cfg: OptConfigType = None,
    norm_cfg: ConfigType = dict(type='BN'),
    act_cfg: ConfigType = dict(type='ReLU')
) -> nn.Module:
    """MMDetection's ResNeXt ``Bottleneck`` with a 1x1 conv + BN projection
    when the shape changes; arguments as :class:`PreActBottleneck`'s but
    ``init_cfg`` (``act_cfg`` must be ReLU).

    Returns:
        nn.Module: The unit.
    """
    if act_cfg.get('type') != 'ReLU':
        raise ValueError('post-activation units (AttentionNeXt-56) use '
                         f"ReLU only, got act_cfg={act_cfg}")
    downsample = None
    if stride != 1 or in_channels != out_channels:
        downsample = nn.Sequential(
            build_conv_layer(
                conv_cfg,
                in_channels,
                out_channels,
                1,
                stride=stride,
                bias=False),
            build_norm_layer(norm_cfg, out_channels)[1])
    return ResNeXtBottleneck(
        in_channels,
        out_channels // ResNeXtBottleneck.expansion,
        groups=groups,
        base_width=base_width,
        stride=stride,
        downsample=downsample,
        conv_cfg=conv_cfg,
        norm_cfg=norm_cfg)


class AttentionModule(AttentionMapMixin, BaseModule):
    """Attention module of the Residual Attention Network:
    ``post((1 + mask(y)) * trunk(y))`` with ``y = pre(x)``.

    Args:
        channels (int): Input and output channels.
        num_skips (int): Skip connections in the soft mask branch; the
            branch max-pools ``num_skips + 1`` times.
        num_pre_post (int): Residual units before and after (p).
            Defaults to 1.
        num_trunk (int): Residual units of the trunk branch (t).
            Defaults to 2.
        num_mask_units (int): Residual units between adjacent pooling or
            up-sampling steps of the mask branch (r). Defaults to 1.
        unit_cfg (dict, optional): Extra unit arguments (``groups``,
            ``base_width``). Defaults to None.
        post_activation (bool): Post-activation units
            (:func:`post_activation_unit`) and mask head, as AttentionNeXt-56;
            False: :class:`PreActBottleneck` units and a pre-activation
            head, as Attention-56/92. Defaults to False.
        align_corners (bool): ``align_corners`` of the mask branch's
            bilinear up-sampling. Defaults to False.
        conv_cfg (dict, optional): Conv layer config. Defaults to None.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation config. Defaults to ``dict(type='ReLU')``.
        identity_init (bool): Start with a neutral mask, ``(1 + M) * T = T``
            (mask ``2 * sigmoid(s) - 1``, last head conv zero).
            Defaults to False.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels: int,
                 num_skips: int,
                 num_pre_post: int = 1,
                 num_trunk: int = 2,
                 num_mask_units: int = 1,
                 unit_cfg: OptConfigType = None,
                 post_activation: bool = False,
                 align_corners: bool = False,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='ReLU'),
                 identity_init: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_skips < 0:
            raise ValueError(
                f'AttentionModule needs num_skips >= 0, got {num_skips}')
        self.in_channels = channels
        self.identity_init = identity_init
        unit_kwargs = dict(
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            **(unit_cfg or {}))

        unit = post_activation_unit if post_activation else PreActBottleneck
        self.align_corners = align_corners

        def units(num: int) -> nn.Sequential:
            return nn.Sequential(
                *[unit(channels, channels, **unit_kwargs) for _ in range(num)])

        self.pre_units = units(num_pre_post)
        self.trunk_units = units(num_trunk)
        self.pool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.down_units = nn.ModuleList(
            [units(num_mask_units) for _ in range(num_skips + 1)])
        self.skip_units = nn.ModuleList([units(1) for _ in range(num_skips)])
        self.bottom_units = units(num_mask_units)
        self.up_units = nn.ModuleList(
            [units(num_mask_units) for _ in range(num_skips)])
        conv = dict(conv_cfg=conv_cfg, bias=False)
        if post_activation:
            first = ConvModule(
                channels,
                channels,
                1,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg,
                **conv)
            last = ConvModule(
                channels, channels, 1, norm_cfg=None, act_cfg=None, **conv)
        else:
            preact = dict(
                norm_cfg=norm_cfg,
                act_cfg=act_cfg,
                order=('norm', 'act', 'conv'),
                **conv)
            first = ConvModule(channels, channels, 1, **preact)
            last = ConvModule(channels, channels, 1, **preact)
        self.mask_head = nn.Sequential(first, last)
        self.gate = Gate(
            scale=2. if identity_init else 1.,
            offset=-1. if identity_init else 0.)
        self.post_units = units(num_pre_post)
        if identity_init:
            self._init_identity()

    def _init_identity(self) -> None:
        """Zero the mask head's last conv: ``M = 2 * sigmoid(0) - 1 = 0``."""
        nn.init.zeros_(self.mask_head[1].conv.weight)

    def _upsample(self, x: Tensor, like: Tensor) -> Tensor:
        """Bilinear resize of ``x`` to the spatial size of ``like``."""
        return F.interpolate(
            x,
            size=like.shape[-2:],
            mode='bilinear',
            align_corners=self.align_corners)

    def trunk(self, x: Tensor) -> Tensor:
        """Trunk branch ``T(x)``."""
        return self.trunk_units(x)

    def mask(self, x: Tensor) -> Tensor:
        """Soft mask branch ``M(x)``, in (0, 1) ((-1, 1) with
        ``identity_init``)."""
        skips: List[Tensor] = []
        out = x
        for level, down in enumerate(self.down_units):
            out = down(self.pool(out))
            if level < len(self.skip_units):
                skips.append(self.skip_units[level](out))
        out = self.bottom_units(out)
        for skip, up in zip(reversed(skips), reversed(self.up_units)):
            out = up(self._upsample(out, skip) + skip)
        return self.gate(self.mask_head(self._upsample(out, x)))

    def attend(self, x: Tensor) -> Tensor:
        """Attention residual learning, ``(1 + M(x)) * T(x)``."""
        return (1 + self.mask(x)) * self.trunk(x)

    def forward(self, x: Tensor) -> Tensor:
        """Forward function."""
        self._check_input(x)
        return self.post_units(self.attend(self.pre_units(x)))


@MODELS.register_module()
class ResidualAttentionNet(FrozenStagesMixin, BaseModule):
    """Residual Attention Network backbone: a 7x7/2 stem and max-pool,
    stages 1-3 of a residual unit and attention modules, stage 4 of three
    residual units; outputs at strides 4-32.

    Args:
        arch (str): ``'attention56'``, ``'attention92'`` or
            ``'attentionnext56'``. Defaults to ``'attention56'``.
        in_channels (int): Input image channels. Defaults to 3.
        base_channels (int): Stem width; stage ``i`` outputs
            ``base_channels * 4 * 2**i`` channels. Defaults to 64.
        out_indices (Sequence[int]): Stages (0-3) whose outputs are
            returned. Defaults to ``(0, 1, 2, 3)``.
        frozen_stages (int): Stages to freeze (stop grad, eval mode): -1
            none, ``i`` the stem and stages 1..i. Defaults to -1.
        out_norm (bool, optional): A BN-ReLU on each returned output.
            Defaults to None: True for Attention-56/92, False for
            AttentionNeXt-56.
        align_corners (bool): ``align_corners`` of the mask branches'
            bilinear up-sampling. Defaults to False.
        conv_cfg (dict, optional): Conv layer config. Defaults to None.
        norm_cfg (dict): Norm layer config. Defaults to
            ``dict(type='BN', requires_grad=True)``.
        act_cfg (dict): Activation config. Defaults to ``dict(type='ReLU')``.
        norm_eval (bool): Keep norm layers in eval mode while training.
            Defaults to False.
        with_cp (bool): Checkpoint each residual unit and attention module
            while training. Defaults to False.
        mask_identity_init (bool): ``identity_init`` of every
            :class:`AttentionModule`. Defaults to False.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to Kaiming for convs, 1 for norm weights.

    Example:
        >>> import torch
        >>> from mmdet_attn.models.backbones import ResidualAttentionNet
        >>> model = ResidualAttentionNet('attentionnext56', base_channels=32)
        >>> [tuple(o.shape) for o in model(torch.rand(1, 3, 97, 131))]
        [(1, 128, 25, 33), (1, 256, 13, 17), (1, 512, 7, 9), (1, 1024, 4, 5)]
    """

    arch_settings: Dict[str, dict] = {
        'attention56':
        dict(
            num_modules=(1, 1, 1),
            groups=1,
            base_width=64,
            post_activation=False),
        'attention92':
        dict(
            num_modules=(1, 2, 3),
            groups=1,
            base_width=64,
            post_activation=False),
        'attentionnext56':
        dict(
            num_modules=(1, 1, 1),
            groups=32,
            base_width=4,
            post_activation=True),
    }
    # Skip connections of the soft mask branch in stages 1-3 (paper).
    mask_skips: Tuple[int, int, int] = (2, 1, 0)
    num_last_units = 3
    num_stages = 4

    def __init__(
        self,
        arch: str = 'attention56',
        in_channels: int = 3,
        base_channels: int = 64,
        out_indices: Sequence[int] = (0, 1, 2, 3),
        frozen_stages: int = -1,
        out_norm: Optional[bool] = None,
        align_corners: bool = False,
        conv_cfg: OptConfigType = None,
        norm_cfg: ConfigType = dict(type='BN', requires_grad=True),
        act_cfg: ConfigType = dict(type='ReLU'),
        norm_eval: bool = False,
        with_cp: bool = False,
        mask_identity_init: bool = False,
        init_cfg: OptMultiConfig = [
            dict(type='Kaiming', layer='Conv2d'),
            dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
        ]
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if arch not in self.arch_settings:
            raise KeyError(f'Unknown ResidualAttentionNet arch {arch!r}; '
                           f'choose one of {sorted(self.arch_settings)}')
        if base_channels < 1:
            raise ValueError(
                f'base_channels must be >= 1, got {base_channels}')
        check_stage_args(self.num_stages, out_indices, frozen_stages)
        setting = self.arch_settings[arch]
        if base_channels * setting['base_width'] // 64 < 1:
            raise ValueError(
                f'{arch} with base_channels={base_channels} has no '
                f'bottleneck channels (base_width={setting["base_width"]}); '
                f'use base_channels >= {64 // setting["base_width"]}')
        if out_norm is None:
            out_norm = not setting['post_activation']
        self.arch = arch
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.stage_channels = [
            base_channels * PreActBottleneck.expansion * 2**i
            for i in range(self.num_stages)
        ]
        layer_cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        unit_cfg = dict(
            groups=setting['groups'], base_width=setting['base_width'])
        post_activation = setting['post_activation']
        unit = post_activation_unit if post_activation else PreActBottleneck

        self.stem = ConvModule(
            in_channels,
            base_channels,
            7,
            stride=2,
            padding=3,
            bias=False,
            **layer_cfg)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

        self.layer_names: List[str] = []
        self.out_norm_names: List[Optional[str]] = []
        stage_in = base_channels
        for i, channels in enumerate(self.stage_channels):
            blocks: List[nn.Module] = [
                unit(
                    stage_in,
                    channels,
                    stride=1 if i == 0 else 2,
                    **unit_cfg,
                    **layer_cfg)
            ]
            if i < len(setting['num_modules']):
                blocks += [
                    AttentionModule(
                        channels,
                        self.mask_skips[i],
                        unit_cfg=unit_cfg,
                        post_activation=post_activation,
                        align_corners=align_corners,
                        identity_init=mask_identity_init,
                        **layer_cfg) for _ in range(setting['num_modules'][i])
                ]
            else:
                blocks += [
                    unit(channels, channels, **unit_cfg, **layer_cfg)
                    for _ in range(self.num_last_units - 1)
                ]
            self.add_module(f'layer{i + 1}', nn.Sequential(*blocks))
            self.layer_names.append(f'layer{i + 1}')
            norm_name = None
            if out_norm and i in self.out_indices:
                norm_name = f'out_norm{i + 1}'
                self.add_module(
                    norm_name,
                    nn.Sequential(
                        build_norm_layer(norm_cfg, channels)[1],
                        build_activation_layer(act_cfg)))
            self.out_norm_names.append(norm_name)
            stage_in = channels

    @property
    def out_channels(self) -> List[int]:
        """Channels of the returned outputs, in ``out_indices`` order."""
        return [self.stage_channels[i] for i in self.out_indices]

    def _run_block(self, block: nn.Module, x: Tensor) -> Tensor:
        """One residual unit or attention module, checkpointed if asked."""
        if self.with_cp and self.training and x.requires_grad:
            return cp.checkpoint(block, x, use_reentrant=False)
        return block(x)

    def stage_modules(self, stage: int) -> List[nn.Module]:
        """Modules of stage ``stage``: 0 the stem, ``i`` ``layer{i}`` and
        its output norm."""
        if stage == 0:
            return [self.stem]
        names = self.layer_names[stage - 1], self.out_norm_names[stage - 1]
        return [getattr(self, name) for name in names if name is not None]

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Forward function."""
        x = self.maxpool(self.stem(x))
        outs = []
        for i, name in enumerate(self.layer_names):
            for block in getattr(self, name):
                x = self._run_block(block, x)
            if i in self.out_indices:
                norm_name = self.out_norm_names[i]
                outs.append(getattr(self, norm_name)(x) if norm_name else x)
        return tuple(outs)
