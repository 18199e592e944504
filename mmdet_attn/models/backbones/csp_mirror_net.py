"""CSPMirrorNet backbone (the CSPMirrorNet repository,
hashemJaber/Faster_RCNN_Attention), made detection-grade.

Seed: H. Jaber, "CSPMirrorNet" (ANCS 2025; seed repository
``hashemJaber/Faster_RCNN_Attention``), derived from C.-Y. Wang, H.-Y. M.
Liao, Y.-H. Wu, P.-Y. Chen, J.-W. Hsieh and I.-H. Yeh, "CSPNet: A New
Backbone that can Enhance Learning Capability of CNN", CVPRW 2020,
https://arxiv.org/abs/1911.11929 ; activation Mish (Misra, BMVC 2020).

Mirror block (:class:`MirrorBlock`), how a ``C x H x W`` map flows::

                           x  (C x H x W)
                           │
           ┌─ split along the width into two overlapping halves ─┐
           │        of equal size H x w (w = ceil(W/2) + r W)     │
     p1 = x[..., :w]  (left half)              p2 = x[..., W-w:]  (right half)
           │                                                      │
     ┌─────┴──────┐                                   ┌───────────┴─┐
     f1 = D(p1)   q1 = pool(p1)             q2 = pool(p2)   f2 = D(p2)
     │             └──────────── cross ─────────┐  │            │
     │            ┌─────────────────────────────┼──┘            │
     z = cat(q2, f1)  +  cat(q1, f2)  <─────────┴───────────────┘
           │          ((C + 2g) x H x w: early cross-sectional fusion)
     mirror back: z pasted at the left and at the right of an H x W
           │      canvas; where the halves overlap, the mean of both
     1x1 ConvModule (C + 2g -> C)  (+ x when add_identity)
           │
          out  (C x H x W)

``D`` is ONE module (shared weights, siamese), the Mished dense block
(:class:`MishedDenseBlock`): ``a = conv3x3(p)``, ``b = conv3x3(a) + a``,
``D(p) = cat(a, b)`` (2g channels), each conv with BN + Mish; ``pool`` is a
3x3 stride-1 average pool. Cut rule, for width ``W`` and overlap ratio ``r``
in [0, 0.5): each half is ``w = ceil(W / 2) + floor(r * W)`` columns wide
(at most ``W``) and spans the full height; the left half starts at column 0,
the right half ends at column ``W``. Both halves have the same size (the
cross fusion needs no resize), together they cover the map, and they share
``2 w - W`` columns (``r = 0``: none for even ``W``, one for odd ``W``).
The seed cut a top-left and a bottom-right part of about half of each side;
those two rectangles leave the top-right and bottom-left corners out of
both parts, so the inputs there reached the output through nothing but the
identity. Halves along the width keep the seed's two overlapping, mirrored
views and the shared block, and see every position. The block preserves
``C x H x W`` for any ``H, W >= 1``.

Stage layout (CSPDarknet-like, as in the seed's CSPMirrorNet53): a 3x3 stem
conv, then 5 stages of ``3x3/2 ConvModule -> CSPMirrorLayer`` at strides
2/4/8/16/32 (output sizes exactly ``ceil(H / s) x ceil(W / s)``); the
default ``out_indices=(1, 2, 3, 4)`` returns strides 4/8/16/32 with
``out_channels`` ``[128, 256, 512, 1024]`` at ``gamma=1``. Widths are
``gamma * (64, 128, 256, 512, 1024)`` (stem 32) rounded to multiples of 8.
An optional :class:`mmdet.models.backbones.csp_darknet.SPPBottleneck` sits
after the last down-sampling conv, as in MMDetection's CSPDarknet.

Example:
    >>> import torch
    >>> from mmdet_attn.models.backbones import CSPMirrorNet
    >>> model = CSPMirrorNet('csp_mirror_net21', gamma=0.125)
    >>> model.out_channels
    [16, 32, 64, 128]
    >>> [tuple(o.shape[-2:]) for o in model(torch.rand(1, 3, 97, 131))]
    [(25, 33), (13, 17), (7, 9), (4, 5)]
"""
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
    """The seed's "Mished dense block": ``cat(a, conv2(a) + a)``,
    ``a = conv1(x)``, both 3x3 ConvModules with norm + Mish.

    Args:
        in_channels (int): Input channels.
        growth_channels (int): Channels of each conv (g); the output has
            ``2 * growth_channels``.
        conv_cfg (dict, optional): Conv layer config. Defaults to None.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation config. Defaults to
            ``dict(type='Mish')``.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to None.

    Example:
        >>> import torch
        >>> block = MishedDenseBlock(16, 8)
        >>> tuple(block(torch.rand(1, 16, 5, 7)).shape)
        (1, 16, 5, 7)
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
        """``cat(a, conv2(a) + a)`` with ``a = conv1(x)``."""
        a = self.conv1(x)
        return torch.cat((a, self.conv2(a) + a), dim=1)


class MirrorBlock(BaseModule):
    """Mirror block: two overlapping halves, one shared dense block, early
    cross-sectional fusion, mirrored back to the input size (diagram and
    cut rule in the module docstring).

    :meth:`split`, :attr:`dense` and :meth:`merge` are the three steps of
    :meth:`forward`, exposed for tests and visualisation.

    Args:
        channels (int): Input and output channels (C).
        overlap_ratio (float): r in [0, 0.5). Defaults to 0.2.
        growth_channels (int, optional): Channels of each dense-block conv
            (g). Defaults to ``channels // 2`` (at least 1).
        add_identity (bool): Add the input to the output. Defaults to True.
        conv_cfg (dict, optional): Conv layer config. Defaults to None.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation config. Defaults to
            ``dict(type='Mish')``.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to None.

    Example:
        >>> import torch
        >>> block = MirrorBlock(16, overlap_ratio=0.2)
        >>> block.part_length(9)
        6
        >>> tuple(block(torch.rand(1, 16, 9, 4)).shape)
        (1, 16, 9, 4)
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
        """Width of each half for a map ``length`` columns wide (a plain
        int, also when ``length`` is a size traced by ``torch.jit``)."""
        length = int(length)
        overlap = math.floor(round(self.overlap_ratio * length, 6))
        return min(length, math.ceil(length / 2) + overlap)

    def split(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """The left and right halves of ``x``, of equal size."""
        width = x.shape[-1]
        w = self.part_length(width)
        return x[..., :w], x[..., width - w:]

    def merge(self, x: Tensor, p1: Tensor, p2: Tensor, f1: Tensor,
              f2: Tensor) -> Tensor:
        """Cross fusion of the parts ``p1, p2`` and their dense features
        ``f1, f2``, mirrored back to the size of ``x``, then transition
        (and identity)."""
        z = torch.cat((self.pool(p2), f1), dim=1) + torch.cat(
            (self.pool(p1), f2), dim=1)
        margin = int(x.shape[-1] - z.shape[-1])
        ones = z.new_ones(1, 1, 1, z.shape[-1])
        coverage = F.pad(ones, (0, margin)) + F.pad(ones, (margin, 0))
        canvas = (F.pad(z, (0, margin)) + F.pad(z, (margin, 0))) / coverage
        out = self.transition(canvas)
        return out + x if self.add_identity else out

    def forward(self, x: Tensor) -> Tensor:
        """Split, shared dense block on both parts, merge."""
        p1, p2 = self.split(x)
        return self.merge(x, p1, p2, self.dense(p1), self.dense(p2))


class CSPMirrorLayer(BaseModule):
    """Cross Stage Partial layer with mirror or Darknet bottleneck blocks,
    CSPNet's fusion 'first' / 'last' and partial transition on / off.

    ``main = blocks(main_conv(x))``, then ``main = partial_conv(main)`` if
    ``partial_transition``; fusion ``'first'``:
    ``final_conv(cat(main, short_conv(x)))``; fusion ``'last'``:
    ``cat(main, short_conv(x))`` (no transition after the concatenation).
    CSPNet's Fig. 3: (b) CSPDenseNet = 'first' + partial transition,
    (c) Fusion First = 'first' without, (d) Fusion Last = 'last' with.

    Why not MMDetection's ``CSPLayer``: it fixes the block type
    (Darknet / CSPNeXt bottleneck) and the fusion to (c), with no partial
    transition. This layer keeps its parameter names (``main_conv``,
    ``short_conv``, ``blocks``, ``final_conv``), its ``DarknetBottleneck``
    and its 0.5 expand ratio, so that with ``block='bottleneck'``,
    ``fusion='first'`` and ``partial_transition=False`` it loads a
    ``CSPLayer`` state dict and computes the same function.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels (even).
        num_blocks (int): Blocks on the main path. Defaults to 1.
        block (str): ``'mirror'`` or ``'bottleneck'``. Defaults to
            ``'mirror'``.
        fusion (str): ``'first'`` or ``'last'``. Defaults to ``'first'``.
        partial_transition (bool): 1x1 transition on the main path after
            the blocks. Defaults to True.
        overlap_ratio (float): Mirror blocks' overlap ratio.
            Defaults to 0.2.
        with_cp (bool): Checkpoint each block while training.
            Defaults to False.
        conv_cfg (dict, optional): Conv layer config. Defaults to None.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation config. Defaults to
            ``dict(type='Mish')``.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to None.

    Example:
        >>> import torch
        >>> layer = CSPMirrorLayer(32, 32, num_blocks=2, fusion='last')
        >>> tuple(layer(torch.rand(1, 32, 7, 5)).shape)
        (1, 32, 7, 5)
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
        self.partial_conv = ConvModule(
            mid_channels, mid_channels, 1, **
            cfg) if partial_transition else None
        self.final_conv = ConvModule(
            2 * mid_channels, out_channels, 1, **
            cfg) if fusion == 'first' else None

    def forward(self, x: Tensor) -> Tensor:
        """Partial main path through the blocks, concatenated with the
        short path; transitions as configured."""
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
    """Round ``channels`` to the nearest multiple of ``divisor`` (min one
    ``divisor``)."""
    return max(divisor, int(channels + divisor / 2) // divisor * divisor)


@MODELS.register_module()
class CSPMirrorNet(FrozenStagesMixin, BaseModule):
    """CSPMirrorNet backbone (see the module docstring).

    Args:
        arch (str): Depth setting: ``'csp_mirror_net53'`` (the seed's
            CSPMirrorNet53, blocks 1/2/8/8/4 as in CSPDarknet53) or
            ``'csp_mirror_net21'`` (blocks 1/1/2/2/1). Names count convs as
            Darknet does (stem + 5 down-sampling convs + 2 per block + the
            classifier). Defaults to ``'csp_mirror_net53'``.
        gamma (float): Width multiplier (> 0), the seed's name.
            Defaults to 1.0.
        in_channels (int): Input image channels. Defaults to 3.
        out_indices (Sequence[int]): Stages (0-4, strides 2-32) whose
            outputs are returned. Defaults to ``(1, 2, 3, 4)``.
        frozen_stages (int): Stages to freeze (stop grad, eval mode): -1
            none, 0 the stem, ``i`` the stem and stages 1..i.
            Defaults to -1.
        block_types (Sequence[str]): Per stage, ``'mirror'`` (Mirror block)
            or ``'bottleneck'`` (plain CSP block with MMDetection's
            ``DarknetBottleneck``). Defaults to ``('mirror',) * 5``.
        fusion (str): CSP fusion, ``'first'`` or ``'last'``.
            Defaults to ``'first'``.
        partial_transition (bool): CSP partial transition on / off.
            Defaults to True.
        overlap_ratio (float): Mirror-block overlap ratio in [0, 0.5).
            Defaults to 0.2.
        use_spp (bool): MMDetection's ``SPPBottleneck`` in the last stage.
            Defaults to False.
        spp_kernel_sizes (Sequence[int]): Its pooling kernels.
            Defaults to ``(5, 9, 13)``.
        conv_cfg (dict, optional): Conv layer config. Defaults to None.
        norm_cfg (dict): Norm layer config. Defaults to
            ``dict(type='BN', momentum=0.03, eps=0.001)``.
        act_cfg (dict): Activation config. Defaults to
            ``dict(type='Mish')``.
        norm_eval (bool): Keep norm layers in eval mode while training.
            Defaults to False.
        with_cp (bool): Checkpoint each block while training.
            Defaults to False.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to Kaiming-uniform for convs, as CSPDarknet.

    Example:
        >>> from mmdet_attn.models.backbones import CSPMirrorNet
        >>> CSPMirrorNet(gamma=0.5).out_channels
        [64, 128, 256, 512]
    """

    arch_settings: Dict[str, Tuple[int, ...]] = {
        'csp_mirror_net53': (1, 2, 8, 8, 4),
        'csp_mirror_net21': (1, 1, 2, 2, 1),
    }
    base_stem_channels = 32
    base_channels = (64, 128, 256, 512, 1024)

    def __init__(self,
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
                 norm_cfg: ConfigType = dict(
                     type='BN', momentum=0.03, eps=0.001),
                 act_cfg: ConfigType = dict(type='Mish'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg: OptMultiConfig = dict(
                     type='Kaiming',
                     layer='Conv2d',
                     a=math.sqrt(5),
                     distribution='uniform',
                     mode='fan_in',
                     nonlinearity='leaky_relu')) -> None:
        super().__init__(init_cfg=init_cfg)
        num_stages = len(self.base_channels)
        if arch not in self.arch_settings:
            raise KeyError(f'Unknown CSPMirrorNet arch {arch!r}; choose one '
                           f'of {sorted(self.arch_settings)}')
        if not gamma > 0:
            raise ValueError(f'gamma (width multiplier) must be > 0, got '
                             f'{gamma}')
        check_overlap_ratio(overlap_ratio)
        if len(block_types) != num_stages or any(
                b not in BLOCK_TYPES for b in block_types):
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
        self.stem = ConvModule(
            in_channels, stem_channels, 3, padding=1, **cfg)
        self.layers = ['stem']
        stage_in = stem_channels
        for i, (channels, num_blocks) in enumerate(
                zip(self.stage_channels, self.arch_settings[arch])):
            stage: List[nn.Module] = [
                ConvModule(
                    stage_in, channels, 3, stride=2, padding=1, **cfg)
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
        """Feature maps of the stages in ``out_indices``."""
        x = self.stem(x)
        outs = []
        for i, name in enumerate(self.layers[1:]):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
