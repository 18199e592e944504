"""Behaviour shared by this package's backbones that are not ResNets.

MMDetection's backbones each repeat the same ``train(mode)``: switch mode,
re-freeze the frozen stages, and keep every BatchNorm in eval mode when
``norm_eval`` is set. :class:`FrozenStagesMixin` holds it once; a backbone
provides ``frozen_stages``, ``norm_eval`` and ``_freeze_stages()``.
(Backbones built on MMDetection's ``ResNet`` inherit its own ``train``.)

Example:
    >>> from mmdet_attn.models.backbones import CSPMirrorNet
    >>> model = CSPMirrorNet('csp_mirror_net21', gamma=0.125, norm_eval=True)
    >>> model.train().stem.bn.training
    False
"""
from torch.nn.modules.batchnorm import _BatchNorm


class FrozenStagesMixin:
    """``train(mode)`` that honours ``frozen_stages`` and ``norm_eval``."""

    def _freeze_stages(self) -> None:
        raise NotImplementedError

    def train(self, mode: bool = True):
        """Set train mode, keeping frozen stages (and, with ``norm_eval``,
        every norm layer) in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
