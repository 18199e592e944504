"""What the model-zoo tools (``tools/analysis_tools/benchmark_backbones.py``,
``research/custom27_study.py``) say of a backbone: its name, and the depth
of the plain ResNet it is compared with."""
from typing import Any

from mmengine.config import ConfigDict

#: Depth of the plain ResNet a backbone without ``depth`` is compared with:
#: Residual Attention Networks share ResNet-50's stem, bottleneck units and
#: 256-2048 stage channels; CSPMirrorNet53 has about its parameters.
DEFAULT_REFERENCE_DEPTH = 50


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
