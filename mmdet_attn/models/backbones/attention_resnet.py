"""AttentionResNet: ResNet with an attention layer (SE, CBAM, SAM, ECA, ...)
in every residual block; see ``docs/backbones/attention_resnet.md``."""
import inspect
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmdet.models.backbones.resnet import BasicBlock, Bottleneck, ResNet
from mmdet.models.layers import ResLayer
from mmdet.registry import MODELS
from mmdet.utils import OptConfigType
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from ..layers import attention_class, check_sam_start, with_backbone_norm
from ..layers.base import AttentionMapMixin
from .base import check_stage_args


class LastNormSegment:
    """A residual block whose last norm's output is recomputed for the
    backward of the plugins after it (the attention layer).

    The product ``x * w`` of an attention layer keeps its input ``x``, the
    last norm's output, for the backward: one more map of the block's
    output width than the plain block keeps. With ``recompute_attention``
    the tensors the plugins save are packed by
    ``torch.autograd.graph.saved_tensors_hooks``: ``x`` is dropped and
    recomputed from the norm's input (which the norm keeps anyway) when
    the backward needs it, one pass of the norm. Not for a batch norm in
    train mode (``norm_eval=False`` and not frozen, SyncBN included; its
    output depends on the batch statistics), nor under ``torch.compile``
    (its partitioner chooses what to recompute) or ``with_cp``.
    """

    def last_norm_segment(self, out: Tensor, norm: nn.Module,
                          plugin_names: List[str]) -> Tensor:
        """``norm`` then the plugins ``plugin_names`` on ``out``."""
        x = norm(out)
        batch_statistics = isinstance(norm, _BatchNorm) and norm.training
        if (not self.recompute_attention or not plugin_names
                or batch_statistics or self.with_cp or not x.requires_grad
                or torch.compiler.is_compiling()):
            return self.forward_plugin(x, plugin_names)
        norm_output = (x.data_ptr(), x.shape, x.dtype)

        def pack(t: Tensor) -> Optional[Tensor]:
            # Detached: a saved output (the gate's sigmoid) kept as itself
            # would hold its own grad_fn, a cycle that outlives the graph.
            if (t.data_ptr(), t.shape, t.dtype) == norm_output:
                return None
            return t.detach()

        def unpack(t: Optional[Tensor]) -> Tensor:
            if t is not None:
                return t
            with torch.no_grad():
                return norm(out)

        with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
            return self.forward_plugin(x, plugin_names)

    def residual_branch(self, x: Tensor) -> Tensor:
        """The block's residual branch, plugins included."""
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        """ReLU of the residual branch plus the (downsampled) input, the
        two checkpointed together with ``with_cp``, as MMDetection's."""

        def _inner_forward(x: Tensor) -> Tensor:
            identity = x if self.downsample is None else self.downsample(x)
            return self.residual_branch(x) + identity

        if self.with_cp and x.requires_grad:
            out = cp.checkpoint(_inner_forward, x, use_reentrant=False)
        else:
            out = _inner_forward(x)
        return self.relu(out)


class PluginBasicBlock(LastNormSegment, BasicBlock):
    """MMDetection's ``BasicBlock`` that takes plugins as ``Bottleneck``.

    Args:
        inplanes (int): Input channels.
        planes (int): Output channels.
        *args: ``BasicBlock``'s other positional arguments.
        plugins (list[dict], optional): Plugins of this block, at
            ``'after_conv1'`` (after the first ReLU) or ``'after_conv2'``
            (after norm2, before the addition). Defaults to None.
        recompute_attention (bool): Recompute norm2's output for the
            backward of the ``'after_conv2'`` plugins instead of keeping
            it (see :class:`LastNormSegment`). Defaults to True.
        **kwargs: ``BasicBlock``'s other arguments (``stride``,
            ``downsample``, ``with_cp``, ``norm_cfg``, ...).
    """

    plugin_positions = ('after_conv1', 'after_conv2')
    make_block_plugins = Bottleneck.make_block_plugins
    forward_plugin = Bottleneck.forward_plugin

    def __init__(self,
                 inplanes: int,
                 planes: int,
                 *args,
                 plugins: Optional[List[dict]] = None,
                 recompute_attention: bool = True,
                 **kwargs) -> None:
        super().__init__(inplanes, planes, *args, **kwargs)
        plugins = list(plugins or [])
        for plugin in plugins:
            if plugin.get('position') not in self.plugin_positions:
                raise ValueError(
                    f'PluginBasicBlock plugin position must be one of '
                    f'{self.plugin_positions}, got {plugin.get("position")!r}')
        self.plugins = plugins
        self.with_plugins = bool(plugins)
        self.recompute_attention = recompute_attention
        self.after_conv1_plugin_names = self.make_block_plugins(
            planes,
            [p['cfg'] for p in plugins if p['position'] == 'after_conv1'])
        self.after_conv2_plugin_names = self.make_block_plugins(
            planes,
            [p['cfg'] for p in plugins if p['position'] == 'after_conv2'])

    def residual_branch(self, x: Tensor) -> Tensor:
        """``BasicBlock``'s branch with the plugins at their positions."""
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.forward_plugin(out, self.after_conv1_plugin_names)
        return self.last_norm_segment(
            self.conv2(out), self.norm2, self.after_conv2_plugin_names)


class PluginBottleneck(LastNormSegment, Bottleneck):
    """MMDetection's ``Bottleneck`` that recomputes norm3's output for the
    backward of its ``'after_conv3'`` plugins.

    Args:
        *args: ``Bottleneck``'s positional arguments.
        recompute_attention (bool): Recompute norm3's output for the
            backward of the ``'after_conv3'`` plugins instead of keeping
            it (see :class:`LastNormSegment`). Defaults to True.
        **kwargs: ``Bottleneck``'s other arguments.
    """

    def __init__(self,
                 *args,
                 recompute_attention: bool = True,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.recompute_attention = recompute_attention
        if not self.with_plugins:
            self.after_conv1_plugin_names = []
            self.after_conv2_plugin_names = []
            self.after_conv3_plugin_names = []

    def residual_branch(self, x: Tensor) -> Tensor:
        """``Bottleneck``'s branch, norm3 and its plugins through
        :meth:`last_norm_segment`."""
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.forward_plugin(out, self.after_conv1_plugin_names)
        out = self.relu(self.norm2(self.conv2(out)))
        out = self.forward_plugin(out, self.after_conv2_plugin_names)
        return self.last_norm_segment(
            self.conv3(out), self.norm3, self.after_conv3_plugin_names)


@MODELS.register_module()
class AttentionResNet(ResNet):
    """ResNet with an attention layer in each residual block, after the
    last norm of the residual branch (a block plugin named after the layer:
    ``layer1.0.se_layer``, ``layer3.5.cbam``, ...).

    Args:
        depth (int): 18, 34, 50, 101 or 152.
        attention (dict | Sequence[dict | None], optional): The attention
            layer (``type`` one of ``attention_types(gated=False)`` and its
            arguments but ``in_channels``; norms default to ``norm_cfg``),
            for every stage or one per stage (None: none there). None: a
            plain ResNet. Defaults to None.
        stage_with_attention (Sequence[bool]): Stages whose blocks get the
            attention layer. Defaults to all True.
        freeze_attention (bool): Freeze the attention layers of frozen
            stages with them; False trains them. Defaults to True.
        attention_norm_eval (bool, optional): Keep the norms inside the
            attention layers that train in eval mode (True) or train mode
            (False) whatever ``norm_eval`` says of the trunk's; None: as
            ``norm_eval``. False for attention new on a pretrained trunk:
            its norms have no statistics to keep, and in eval mode leave
            a gate's logits unnormalised (``docs/pretrained_study.md``).
            Frozen attention layers stay in eval mode. Defaults to None.
        recompute_attention (bool): Recompute the output of each block's
            last norm for the attention's backward instead of keeping it
            (not for a batch norm in train mode): peak memory near the
            plain ResNet's for one pass of the norm
            (``docs/attention_cost.md``). Defaults to True.
        **kwargs: MMDetection ``ResNet``'s arguments, with ``norm_eval``
            defaulting to False; ``plugins`` also work with ``BasicBlock``
            (at ``'after_conv1'`` and ``'after_conv2'``).

    Example:
        >>> import torch
        >>> from mmdet_attn.models.backbones import AttentionResNet
        >>> model = AttentionResNet(
        ...     depth=18, attention=dict(type='ECA'),
        ...     stage_with_attention=(False, True, True, True))
        >>> [tuple(o.shape) for o in model(torch.rand(1, 3, 97, 131))]
        [(1, 64, 25, 33), (1, 128, 13, 17), (1, 256, 7, 9), (1, 512, 4, 5)]
        >>> hasattr(model.layer1[0], 'eca'), model.layer2[0].eca.kernel_size
        (False, 5)
    """

    #: Plugin position after the last norm of the residual branch.
    last_norm_position: Dict[type, str] = {
        BasicBlock: 'after_conv2',
        Bottleneck: 'after_conv3'
    }

    def __init__(self,
                 depth: int,
                 attention: Union[OptConfigType,
                                  Sequence[OptConfigType]] = None,
                 stage_with_attention: Sequence[bool] = (True, True, True,
                                                         True),
                 freeze_attention: bool = True,
                 attention_norm_eval: Optional[bool] = None,
                 recompute_attention: bool = True,
                 **kwargs) -> None:
        if depth not in self.arch_settings:
            raise KeyError(f'Invalid depth {depth} for '
                           f'{type(self).__name__}; choose one of '
                           f'{sorted(self.arch_settings)}')
        self.attention = attention
        self.stage_with_attention = tuple(stage_with_attention)
        self.freeze_attention = freeze_attention
        if attention_norm_eval not in (None, True, False):
            raise TypeError('attention_norm_eval must be None (as norm_eval), '
                            f'True or False, got {attention_norm_eval!r}')
        self.attention_norm_eval = attention_norm_eval
        self.recompute_attention = recompute_attention
        kwargs.setdefault('norm_eval', False)
        args = self.resnet_args(kwargs)
        num_stages = args['num_stages']
        if num_stages not in range(1, 5):
            raise ValueError(f'num_stages must be 1-4, got {num_stages}')
        check_stage_args(num_stages, args['out_indices'],
                         args['frozen_stages'], self.stage_switches())
        position = self.last_norm_position[self.arch_settings[depth][0]]
        plugins = list(args['plugins'] or [])
        for stage, cfg in enumerate(self.stage_attention(num_stages)):
            if cfg is None or not self.stage_with_attention[stage]:
                continue
            check_sam_start(
                cfg, args['init_cfg'] is None and args['zero_init_residual'])
            plugins.append(
                dict(
                    cfg=self._attention_plugin_cfg(cfg, args['norm_cfg']),
                    position=position,
                    stages=tuple(i == stage for i in range(num_stages))))
        kwargs['plugins'] = plugins or args['plugins']
        super().__init__(depth, **kwargs)

    def stage_attention(self, num_stages: int) -> List[Optional[dict]]:
        """One attention config (or None) per stage, from ``attention``."""
        if self.attention is None or isinstance(self.attention, dict):
            return [self.attention] * num_stages
        per_stage = list(self.attention)
        if len(per_stage) != num_stages or not all(
                cfg is None or isinstance(cfg, dict) for cfg in per_stage):
            raise ValueError(
                f'attention must be one dict or one dict (or None) per stage '
                f'({num_stages} stages), got {self.attention!r}')
        return per_stage

    @staticmethod
    def resnet_args(kwargs: dict) -> dict:
        """Every ``ResNet`` argument but ``depth``: from ``kwargs``, else
        its default."""
        params = inspect.signature(ResNet.__init__).parameters
        return {
            name: kwargs.get(name, param.default)
            for name, param in params.items() if name not in ('self', 'depth')
        }

    def stage_switches(self) -> Dict[str, Sequence[bool]]:
        """Per-stage switches by argument name, for ``check_stage_args``."""
        return dict(stage_with_attention=self.stage_with_attention)

    @staticmethod
    def _attention_plugin_cfg(attention: dict,
                              norm_cfg: OptConfigType) -> dict:
        """Plugin cfg of ``attention``: norms from ``norm_cfg``, ``type`` as
        the class (builds in any registry scope)."""
        layer_class = attention_class(attention.get('type'), gated=False)
        if 'in_channels' in attention:
            raise ValueError('attention must not set in_channels: each block '
                             'sets it to its own width')
        return dict(with_backbone_norm(attention, norm_cfg), type=layer_class)

    @property
    def out_channels(self) -> List[int]:
        """Channels of the returned maps, in stage order."""
        return [
            self.base_channels * 2**i * self.block.expansion
            for i in range(self.num_stages) if i in self.out_indices
        ]

    def make_res_layer(self, **kwargs) -> ResLayer:
        """``ResNet.make_res_layer`` with this package's blocks, which take
        ``recompute_attention`` (and ``BasicBlock`` plugins)."""
        kwargs['block'] = {
            BasicBlock: PluginBasicBlock,
            Bottleneck: PluginBottleneck
        }[kwargs['block']]
        return super().make_res_layer(
            recompute_attention=self.recompute_attention, **kwargs)

    def stage_attention_layers(self, stage: int) -> List[nn.Module]:
        """The attention layers of stage ``stage`` (0-based)."""
        layer = getattr(self, self.res_layers[stage])
        return [m for m in layer.modules() if isinstance(m, AttentionMapMixin)]

    def _freeze_stages(self) -> None:
        """Freeze as ``ResNet``, attention layers per ``freeze_attention``."""
        super()._freeze_stages()
        trainable = not self.freeze_attention
        for stage in range(self.frozen_stages):
            for layer in self.stage_attention_layers(stage):
                layer.train(self.training and trainable)
                layer.requires_grad_(trainable)

    def train(self, mode: bool = True) -> 'AttentionResNet':
        """``ResNet.train``, then the norms of the attention layers that
        train per ``attention_norm_eval``; returns the module."""
        super().train(mode)
        if mode and self.attention_norm_eval is not None:
            first = self.frozen_stages if self.freeze_attention else 0
            for stage in range(max(first, 0), self.num_stages):
                for layer in self.stage_attention_layers(stage):
                    for m in layer.modules():
                        if isinstance(m, _BatchNorm):
                            m.train(not self.attention_norm_eval)
        return self
