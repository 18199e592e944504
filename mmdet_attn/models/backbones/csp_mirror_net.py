"""CSPMirrorNet: a CSPDarknet-like backbone whose CSP stages hold Mirror
blocks; see ``docs/backbones/cspmirrornet.md``."""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn import ConvModule
from mmdet.models.backbones.csp_darknet import SPPBottleneck
from mmdet.models.layers.csp_layer import DarknetBottleneck
from mmdet.registry import MODELS
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from ..layers import mish  # noqa: F401  (registers 'Mish')
from .base import FrozenStagesMixin, check_stage_args

BLOCK_TYPES = ('mirror', 'bottleneck')
FUSIONS = ('first', 'last')


def check_overlap_ratio(overlap_ratio: float) -> None:
    """Raise a ValueError unless ``0 <= overlap_ratio < 0.5``."""
    if not 0 <= overlap_ratio < 0.5:
        raise ValueError('overlap_ratio must be in [0, 0.5), got '
                         f'{overlap_ratio}')


class MishedDenseBlock(BaseModule):
    """Dense block of the Mirror block: ``cat(a, conv2(a) + a)`` with
    ``a = conv1(x)``, both 3x3 ConvModules.

    Args:
        in_channels (int): Input channels.
        growth_channels (int): Channels of each conv; the output has twice.
        conv_cfg (dict, optional): Conv layer config. Defaults to None.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation config. Defaults to ``dict(type='Mish')``.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 growth_channels: int,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='Mish'),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        cfg = dict(
            padding=1, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv1 = ConvModule(in_channels, growth_channels, 3, **cfg)
        self.conv2 = ConvModule(growth_channels, growth_channels, 3, **cfg)

    def forward(self, x: Tensor) -> Tensor:
        """Forward function."""
        a = self.conv1(x)
        return torch.cat((a, self.conv2(a) + a), dim=1)


class MirrorBlock(BaseModule):
    """Mirror block: :meth:`split` the map into two overlapping halves
    along the width, one shared :attr:`dense` block on both, then
    :meth:`merge` (cross fusion, mirrored back to the input size).

    Args:
        channels (int): Input and output channels.
        overlap_ratio (float): Overlap ratio in [0, 0.5). Defaults to 0.2.
        growth_channels (int, optional): Channels of each dense-block conv.
            Defaults to ``channels // 2`` (at least 1).
        add_identity (bool): Add the input to the output. Defaults to True.
        conv_cfg (dict, optional): Conv layer config. Defaults to None.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation config. Defaults to ``dict(type='Mish')``.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to None.

    Example:
        >>> MirrorBlock(16, overlap_ratio=0.2).part_length(9)
        6
    """

    def __init__(self,
                 channels: int,
                 overlap_ratio: float = 0.2,
                 growth_channels: Optional[int] = None,
                 add_identity: bool = True,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='Mish'),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        check_overlap_ratio(overlap_ratio)
        growth = growth_channels or max(1, channels // 2)
        self.overlap_ratio = overlap_ratio
        self.add_identity = add_identity
        self.dense = MishedDenseBlock(
            channels,
            growth,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.pool = nn.AvgPool2d(
            kernel_size=3, stride=1, padding=1, count_include_pad=False)
        self.transition = ConvModule(
            channels + 2 * growth,
            channels,
            1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)

    def part_length(self, length: int) -> int:
        """Width of each half of a map ``length`` columns wide:
        ``min(length, ceil(length / 2) + floor(r * length))``."""
        length = int(length)  # a traced size under torch.jit
        overlap = math.floor(round(self.overlap_ratio * length, 6))
        return min(length, math.ceil(length / 2) + overlap)

    def split(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """The left and right halves of ``x``, of equal width."""
        width = x.shape[-1]
        w = self.part_length(width)
        return x[..., :w], x[..., width - w:]

    def merge(self, x: Tensor, p1: Tensor, p2: Tensor, f1: Tensor,
              f2: Tensor) -> Tensor:
        """Cross-fuse the halves ``p1``, ``p2`` of ``x`` and their dense
        features ``f1``, ``f2``, mirror back to the size of ``x``, then
        transition (and identity)."""
        z = torch.cat((self.pool(p2), f1), dim=1) + torch.cat(
            (self.pool(p1), f2), dim=1)
        margin = int(x.shape[-1] - z.shape[-1])
        ones = z.new_ones(1, 1, 1, z.shape[-1])
        coverage = F.pad(ones, (0, margin)) + F.pad(ones, (margin, 0))
        canvas = (F.pad(z, (0, margin)) + F.pad(z, (margin, 0))) / coverage
        out = self.transition(canvas)
        return out + x if self.add_identity else out

    def forward(self, x: Tensor) -> Tensor:
        """Forward function."""
        p1, p2 = self.split(x)
        return self.merge(x, p1, p2, self.dense(p1), self.dense(p2))


class CSPMirrorLayer(BaseModule):
    """Cross Stage Partial layer with Mirror or Darknet bottleneck blocks,
    CSPNet's fusion first or last, with or without partial transition.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels (even).
        num_blocks (int): Blocks on the main path. Defaults to 1.
        block (str): ``'mirror'`` or ``'bottleneck'``.
            Defaults to ``'mirror'``.
        fusion (str): ``'first'`` or ``'last'``. Defaults to ``'first'``.
        partial_transition (bool): 1x1 transition on the main path after
            the blocks. Defaults to True.
        overlap_ratio (float): Mirror blocks' overlap ratio. Defaults to 0.2.
        with_cp (bool): Checkpoint blocks while training. Defaults to False.
        conv_cfg (dict, optional): Conv layer config. Defaults to None.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation config. Defaults to ``dict(type='Mish')``.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_blocks: int = 1,
                 block: str = 'mirror',
                 fusion: str = 'first',
                 partial_transition: bool = True,
                 overlap_ratio: float = 0.2,
                 with_cp: bool = False,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='Mish'),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if block not in BLOCK_TYPES:
            raise ValueError(
                f'block must be one of {BLOCK_TYPES}, got {block!r}')
        if fusion not in FUSIONS:
            raise ValueError(f'fusion must be one of {FUSIONS}, got '
                             f'{fusion!r}')
        if out_channels < 2 or out_channels % 2:
            raise ValueError('CSPMirrorLayer needs an even out_channels >= '
                             f'2, got {out_channels}')
        mid_channels = out_channels // 2
        self.with_cp = with_cp
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.main_conv = ConvModule(in_channels, mid_channels, 1, **cfg)
        self.short_conv = ConvModule(in_channels, mid_channels, 1, **cfg)
        if block == 'mirror':
            blocks = [
                MirrorBlock(mid_channels, overlap_ratio, **cfg)
                for _ in range(num_blocks)
            ]
        else:
            blocks = [
                DarknetBottleneck(mid_channels, mid_channels, 1.0, **cfg)
                for _ in range(num_blocks)
            ]
        self.blocks = nn.Sequential(*blocks)
        self.partial_conv = ConvModule(mid_channels, mid_channels, 1, **
                                       cfg) if partial_transition else None
        self.final_conv = ConvModule(2 * mid_channels, out_channels, 1, **
                                     cfg) if fusion == 'first' else None

    def forward(self, x: Tensor) -> Tensor:
        """Forward function."""
        main = self.main_conv(x)
        for block in self.blocks:
            if self.with_cp and self.training and main.requires_grad:
                main = cp.checkpoint(block, main, use_reentrant=False)
            else:
                main = block(main)
        if self.partial_conv is not None:
            main = self.partial_conv(main)
        out = torch.cat((main, self.short_conv(x)), dim=1)
        return out if self.final_conv is None else self.final_conv(out)


def make_divisible(channels: float, divisor: int = 8) -> int:
    """``channels`` rounded to the nearest multiple of ``divisor`` (at least
    ``divisor``)."""
    return max(divisor, int(channels + divisor / 2) // divisor * divisor)


@MODELS.register_module()
class CSPMirrorNet(FrozenStagesMixin, BaseModule):
    """CSPMirrorNet backbone: a 3x3 stem, then 5 stages of a 3x3/2
    ConvModule and a :class:`CSPMirrorLayer`, at strides 2-32.

    Args:
        arch (str): Blocks per stage: ``'csp_mirror_net53'`` (1/2/8/8/4, as
            CSPDarknet53) or ``'csp_mirror_net21'`` (1/1/2/2/1).
            Defaults to ``'csp_mirror_net53'``.
        gamma (float): Width multiplier of ``(64, 128, 256, 512, 1024)``
            (stem 32), rounded to multiples of 8. Defaults to 1.0.
        in_channels (int): Input image channels. Defaults to 3.
        out_indices (Sequence[int]): Stages (0-4, strides 2-32) whose
            outputs are returned. Defaults to ``(1, 2, 3, 4)``.
        frozen_stages (int): Stages to freeze (stop grad, eval mode): -1
            none, ``i`` the stem and stages 1..i. Defaults to -1.
        block_types (Sequence[str]): Per stage, ``'mirror'`` or
            ``'bottleneck'`` (MMDetection's ``DarknetBottleneck``).
            Defaults to ``('mirror',) * 5``.
        fusion (str): CSP fusion, ``'first'`` or ``'last'``.
            Defaults to ``'first'``.
        partial_transition (bool): CSP partial transition. Defaults to True.
        overlap_ratio (float): Mirror blocks' overlap ratio in [0, 0.5).
            Defaults to 0.2.
        use_spp (bool): An ``SPPBottleneck`` in the last stage.
            Defaults to False.
        spp_kernel_sizes (Sequence[int]): Its pooling kernels.
            Defaults to ``(5, 9, 13)``.
        conv_cfg (dict, optional): Conv layer config. Defaults to None.
        norm_cfg (dict): Norm layer config. Defaults to
            ``dict(type='BN', momentum=0.03, eps=0.001)``.
        act_cfg (dict): Activation config. Defaults to ``dict(type='Mish')``.
        norm_eval (bool): Keep norm layers in eval mode while training.
            Defaults to False.
        with_cp (bool): Checkpoint blocks while training. Defaults to False.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to Kaiming-uniform for convs, as CSPDarknet.

    Example:
        >>> import torch
        >>> from mmdet_attn.models.backbones import CSPMirrorNet
        >>> model = CSPMirrorNet('csp_mirror_net21', gamma=0.125)
        >>> [tuple(o.shape) for o in model(torch.rand(1, 3, 97, 131))]
        [(1, 16, 25, 33), (1, 32, 13, 17), (1, 64, 7, 9), (1, 128, 4, 5)]
    """

    arch_settings: Dict[str, Tuple[int, ...]] = {
        'csp_mirror_net53': (1, 2, 8, 8, 4),
        'csp_mirror_net21': (1, 1, 2, 2, 1),
    }
    base_stem_channels = 32
    base_channels = (64, 128, 256, 512, 1024)

    def __init__(
        self,
        arch: str = 'csp_mirror_net53',
        gamma: float = 1.0,
        in_channels: int = 3,
        out_indices: Sequence[int] = (1, 2, 3, 4),
        frozen_stages: int = -1,
        block_types: Sequence[str] = ('mirror', ) * 5,
        fusion: str = 'first',
        partial_transition: bool = True,
        overlap_ratio: float = 0.2,
        use_spp: bool = False,
        spp_kernel_sizes: Sequence[int] = (5, 9, 13),
        conv_cfg: OptConfigType = None,
        norm_cfg: ConfigType = dict(type='BN', momentum=0.03, eps=0.001),
        act_cfg: ConfigType = dict(type='Mish'),
        norm_eval: bool = False,
        with_cp: bool = False,
        init_cfg: OptMultiConfig = dict(
            type='Kaiming',
            layer='Conv2d',
            a=math.sqrt(5),
            distribution='uniform',
            mode='fan_in',
            nonlinearity='leaky_relu')
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        num_stages = len(self.base_channels)
        if arch not in self.arch_settings:
            raise KeyError(f'Unknown CSPMirrorNet arch {arch!r}; choose one '
                           f'of {sorted(self.arch_settings)}')
        if not gamma > 0:
            raise ValueError(f'gamma (width multiplier) must be > 0, got '
                             f'{gamma}')
        check_overlap_ratio(overlap_ratio)
        if len(block_types) != num_stages or any(b not in BLOCK_TYPES
                                                 for b in block_types):
            raise ValueError(f'block_types needs {num_stages} entries from '
                             f'{BLOCK_TYPES}, got {tuple(block_types)}')
        check_stage_args(num_stages, out_indices, frozen_stages)
        self.arch = arch
        self.gamma = gamma
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        stem_channels = make_divisible(self.base_stem_channels * gamma)
        self.stage_channels = [
            make_divisible(c * gamma) for c in self.base_channels
        ]
        self.stem = ConvModule(in_channels, stem_channels, 3, padding=1, **cfg)
        self.layers = ['stem']
        stage_in = stem_channels
        for i, (channels, num_blocks) in enumerate(
                zip(self.stage_channels, self.arch_settings[arch])):
            stage: List[nn.Module] = [
                ConvModule(stage_in, channels, 3, stride=2, padding=1, **cfg)
            ]
            if use_spp and i == num_stages - 1:
                stage.append(
                    SPPBottleneck(
                        channels,
                        channels,
                        kernel_sizes=tuple(spp_kernel_sizes),
                        **cfg))
            stage.append(
                CSPMirrorLayer(
                    channels,
                    channels,
                    num_blocks,
                    block=block_types[i],
                    fusion=fusion,
                    partial_transition=partial_transition,
                    overlap_ratio=overlap_ratio,
                    with_cp=with_cp,
                    **cfg))
            self.add_module(f'stage{i + 1}', nn.Sequential(*stage))
            self.layers.append(f'stage{i + 1}')
            stage_in = channels

    @property
    def out_channels(self) -> List[int]:
        """Channels of the returned outputs, in ``out_indices`` order."""
        return [self.stage_channels[i] for i in self.out_indices]

    def stage_modules(self, stage: int) -> List[nn.Module]:
        """Modules of stage ``stage``: 0 the stem, ``i`` ``stage{i}``."""
        return [getattr(self, self.layers[stage])]

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Forward function."""
        x = self.stem(x)
        outs = []
        for i, name in enumerate(self.layers[1:]):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
