"""What the model-zoo tools (``tools/analysis_tools/benchmark_backbones.py``,
``benchmark_train_step.py``, ``research/custom27_study.py``) say of a
backbone: its name, and the plain ResNet it is compared with."""
import inspect
from typing import Any

from mmdet.models.backbones import ResNet
from mmengine.config import ConfigDict

#: Depth of the plain ResNet a backbone without ``depth`` is compared with:
#: Residual Attention Networks share ResNet-50's stem, bottleneck units and
#: 256-2048 stage channels; CSPMirrorNet53 has about its parameters.
DEFAULT_REFERENCE_DEPTH = 50
#: Trunk settings the plain ResNet reference copies from a backbone.
TRUNK_KEYS = ('norm_eval', 'frozen_stages', 'with_cp', 'norm_cfg', 'style',
              'deep_stem', 'avg_down')


def backbone_name(backbone_cfg: ConfigDict) -> str:
    """The type, then its ``depth`` or ``arch``, then its ``attention``
    type if any: ``'AttentionResNet-50 + CBAM'``, ``'ResNet-18'``."""
    name = backbone_cfg.type
    for key in ('depth', 'arch'):
        if key in backbone_cfg:
            name += f'-{backbone_cfg[key]}'
    attention = backbone_cfg.get('attention')
    if isinstance(attention, (list, tuple)):
        attention = next((cfg for cfg in attention if cfg), None)
    if attention:
        name += f' + {attention["type"]}'
    return name


def reference_depth(backbone: Any) -> int:
    """Depth of the plain ResNet to compare ``backbone`` (a built backbone or
    its config) with: its own ``depth``, else
    :data:`DEFAULT_REFERENCE_DEPTH`."""
    return getattr(backbone, 'depth', DEFAULT_REFERENCE_DEPTH)


def reference_cfg(backbone: Any) -> ConfigDict:
    """The plain ``ResNet`` a built backbone is compared with: of its depth
    (:func:`reference_depth`), with its trunk settings (:data:`TRUNK_KEYS`)
    and ``ResNet``'s defaults for those it lacks, so that equal references
    are equal configs."""
    defaults = inspect.signature(ResNet).parameters
    return ConfigDict(
        type='ResNet',
        depth=reference_depth(backbone),
        **{k: getattr(backbone, k, defaults[k].default)
           for k in TRUNK_KEYS})
