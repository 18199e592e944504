"""GatedECAResNet: ResNet whose stage outputs are gated by the deepest stage,
then ECA (and non-local); see ``docs/backbones/gated_eca_resnet.md``."""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch.nn as nn
import torch.utils.checkpoint as cp
from mmdet.models.layers import ResLayer
from mmdet.registry import MODELS
from mmdet.utils import OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from ..layers import attention_class, build_attention, with_backbone_norm
from .attention_resnet import AttentionResNet


def _slot_cfg(cfg: OptConfigType, name: str, default_type: str,
              gated: bool) -> Optional[dict]:
    """``cfg`` with its ``type`` defaulted and checked, or None if off."""
    if cfg is None:
        return None
    cfg = dict(cfg)
    cfg.setdefault('type', default_type)
    try:
        attention_class(cfg['type'], gated)
    except KeyError as error:
        raise KeyError(f'{name}: {error.args[0]}') from error
    return cfg


class GatedStageAttention(BaseModule):
    """Attention on a stage output: ``non_local(eca(gate(x, g)))``.

    Args:
        in_channels (int): Channels of ``x``.
        gating_channels (int): Channels of the gating map ``g``.
        attention_gate (dict, optional): ``AttentionGate`` config (without
            ``in_channels``/``gating_channels``); None: no gate.
        eca (dict, optional): ECA (or other single-input layer) config;
            None: no ECA.
        non_local (dict, optional): Non-local block config; None: none.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 gating_channels: int,
                 attention_gate: OptConfigType,
                 eca: OptConfigType,
                 non_local: OptConfigType,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.gate = None if attention_gate is None else build_attention(
            dict(attention_gate, gating_channels=gating_channels), in_channels)
        self.eca = None if eca is None else build_attention(eca, in_channels)
        self.non_local = None if non_local is None else build_attention(
            non_local, in_channels)

    def forward(self, x: Tensor, g: Tensor) -> Tensor:
        """Attend to the stage output ``x`` with the gating map ``g``."""
        if self.gate is not None:
            x = self.gate(x, g)
        if self.eca is not None:
            x = self.eca(x)
        if self.non_local is not None:
            x = self.non_local(x)
        return x


@MODELS.register_module()
class GatedECAResNet(AttentionResNet):
    """ResNet whose returned stage outputs are attention-gated by the
    deepest stage, then ECA-recalibrated (and optionally non-local):
    ``out_i = NL_i(ECA_i(AG_i(x_i, x_4)))``, the trunk untouched.

    Args:
        depth (int): 18, 34, 50, 101 or 152.
        attention_gate (dict, optional): ``AttentionGate`` arguments but
            ``in_channels``, ``gating_channels`` and ``sub_sample`` (norms
            default to ``norm_cfg``); None: no gate.
            Defaults to ``dict(type='AttentionGate')``.
        eca (dict, optional): ECA arguments (or another type of
            ``attention_types(gated=False)``); None: no ECA.
            Defaults to ``dict(type='ECA')``.
        non_local (dict, optional): ``NonLocalBlock`` arguments.
            Defaults to None (off).
        stage_with_gate (Sequence[bool]): Stages with a gate.
            Defaults to all True.
        stage_with_eca (Sequence[bool]): Stages with ECA. Defaults to all True.
        stage_with_non_local (Sequence[bool]): Stages with a non-local
            block. Defaults to ``(False, False, True, True)``.
        gate_grid (str): Grid of each gate's map: ``'input'`` (its stage
            output's) or ``'gating'`` (the deepest stage's).
            Defaults to ``'input'``.
        **kwargs: :class:`AttentionResNet`'s arguments (block ``attention``,
            ``freeze_attention``) and MMDetection ``ResNet``'s.

    Example:
        >>> import torch
        >>> from mmdet_attn.models.backbones import GatedECAResNet
        >>> model = GatedECAResNet(depth=18, base_channels=16)
        >>> [tuple(o.shape) for o in model(torch.rand(1, 3, 97, 131))]
        [(1, 16, 25, 33), (1, 32, 13, 17), (1, 64, 7, 9), (1, 128, 4, 5)]
        >>> model.layer1_attention.eca.kernel_size
        3
    """

    def __init__(self,
                 depth: int,
                 attention_gate: OptConfigType = dict(type='AttentionGate'),
                 eca: OptConfigType = dict(type='ECA'),
                 non_local: OptConfigType = None,
                 stage_with_gate: Sequence[bool] = (True, True, True, True),
                 stage_with_eca: Sequence[bool] = (True, True, True, True),
                 stage_with_non_local: Sequence[bool] = (False, False, True,
                                                         True),
                 gate_grid: str = 'input',
                 **kwargs) -> None:
        self.attention_gate = _slot_cfg(attention_gate, 'attention_gate',
                                        'AttentionGate', True)
        if self.attention_gate and 'gating_channels' in self.attention_gate:
            raise ValueError('attention_gate must not set gating_channels: '
                             'the gating map is the deepest stage output')
        if self.attention_gate and 'sub_sample' in self.attention_gate:
            raise ValueError('attention_gate must not set sub_sample: the '
                             'backbone sets it per stage from gate_grid')
        if gate_grid not in ('input', 'gating'):
            raise ValueError("gate_grid must be 'input' or 'gating', got "
                             f'{gate_grid!r}')
        self.gate_grid = gate_grid
        self.eca = _slot_cfg(eca, 'eca', 'ECA', False)
        self.non_local = _slot_cfg(non_local, 'non_local', 'NonLocalBlock',
                                   False)
        self.stage_with_gate = tuple(stage_with_gate)
        self.stage_with_eca = tuple(stage_with_eca)
        self.stage_with_non_local = tuple(stage_with_non_local)
        self.attention_names: Dict[int, str] = {}
        super().__init__(depth, **kwargs)

    def stage_switches(self) -> Dict[str, Sequence[bool]]:
        """Per-stage switches by argument name, for ``check_stage_args``."""
        return dict(
            super().stage_switches(),
            stage_with_gate=self.stage_with_gate,
            stage_with_eca=self.stage_with_eca,
            stage_with_non_local=self.stage_with_non_local)

    def make_res_layer(self, **kwargs) -> ResLayer:
        """The stage and, if returned, its output attention
        ``layer{i}_attention`` (built here so ``ResNet`` freezes both)."""
        layer = super().make_res_layer(**kwargs)
        stage = len(self.res_layers)
        if stage in self.out_indices:
            gating_channels = self.block.expansion * self.base_channels * 2**(
                self.num_stages - 1)

            def slot(cfg: Optional[dict], switches: Tuple[bool, ...]):
                if cfg is None or not switches[stage]:
                    return None
                return with_backbone_norm(cfg, self.norm_cfg)

            gate = slot(self.attention_gate, self.stage_with_gate)
            if gate is not None and self.gate_grid == 'gating':
                gate['sub_sample'] = math.prod(self.strides[stage + 1:])
            name = f'layer{stage + 1}_attention'
            self.add_module(
                name,
                GatedStageAttention(
                    kwargs['planes'] * self.block.expansion, gating_channels,
                    gate, slot(self.eca, self.stage_with_eca),
                    slot(self.non_local, self.stage_with_non_local)))
            self.attention_names[stage] = name
        return layer

    def stage_attention_layers(self, stage: int) -> List[nn.Module]:
        """Attention layers of stage ``stage``: in its blocks and output."""
        layers = super().stage_attention_layers(stage)
        if stage in self.attention_names:
            layers.append(getattr(self, self.attention_names[stage]))
        return layers

    def trunk_forward(self, x: Tensor) -> List[Tensor]:
        """Every stage's trunk output, before attention."""
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        x = self.maxpool(x)
        feats = []
        for name in self.res_layers:
            x = getattr(self, name)(x)
            feats.append(x)
        return feats

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Attended outputs of the stages in ``out_indices``."""
        feats = self.trunk_forward(x)
        g = feats[-1]
        outs = []
        for stage, name in self.attention_names.items():
            attention = getattr(self, name)
            if self.with_cp and self.training and feats[stage].requires_grad:
                outs.append(
                    cp.checkpoint(
                        attention, feats[stage], g, use_reentrant=False))
            else:
                outs.append(attention(feats[stage], g))
        return tuple(outs)
