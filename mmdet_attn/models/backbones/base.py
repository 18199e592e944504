"""Argument checks and stage freezing shared by the backbones."""
from typing import Dict, List, Optional, Sequence

import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm


def check_stage_args(
        num_stages: int,
        out_indices: Sequence[int],
        frozen_stages: int,
        stage_switches: Optional[Dict[str, Sequence[bool]]] = None) -> None:
    """Raise a ValueError for stage arguments that do not fit the stages.

    Args:
        num_stages (int): Number of stages (the stem is not one).
        out_indices (Sequence[int]): Returned stages, 0-based.
        frozen_stages (int): -1 (none) to ``num_stages``.
        stage_switches (dict[str, Sequence[bool]], optional): Per-stage
            switches by argument name, one entry per stage. Defaults to None.
    """
    if not out_indices or any(i not in range(num_stages) for i in out_indices):
        raise ValueError(
            f'out_indices must be a non-empty subset of '
            f'{tuple(range(num_stages))} (num_stages={num_stages}), '
            f'got {tuple(out_indices)}')
    if frozen_stages not in range(-1, num_stages + 1):
        raise ValueError(f'frozen_stages must be in -1..{num_stages}, '
                         f'got {frozen_stages}')
    for name, switches in (stage_switches or {}).items():
        if len(switches) != num_stages:
            raise ValueError(
                f'{name} needs one bool per stage ({num_stages} stages), '
                f'got {len(switches)}: {tuple(switches)}')


class FrozenStagesMixin:
    """``_freeze_stages`` and ``train`` as MMDetection's ``ResNet``, for a
    backbone with ``frozen_stages``, ``norm_eval`` and :meth:`stage_modules`.
    """

    def stage_modules(self, stage: int) -> List[nn.Module]:
        """Modules of stage ``stage`` (0: the stem)."""
        raise NotImplementedError

    def _freeze_stages(self) -> None:
        """Stop grad and set eval mode for the stem and frozen stages."""
        for stage in range(self.frozen_stages + 1):
            for module in self.stage_modules(stage):
                module.eval()
                module.requires_grad_(False)

    def train(self, mode: bool = True) -> nn.Module:
        """Set the mode; frozen stages (and, with ``norm_eval``, every BN)
        stay in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
