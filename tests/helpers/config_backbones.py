"""The backbone of every config in ``configs/``, each distinct one once."""
from typing import Dict

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tool_runner import CONFIG_DIR

#: Per backbone type, the width argument that makes a narrow test model:
#: stage widths 16-128 (x4 with bottlenecks) for the ResNets and Residual
#: Attention Networks, half width for CSPMirrorNet53.
NARROW = {
    'ResNet': dict(base_channels=16),
    'AttentionResNet': dict(base_channels=16),
    'GatedECAResNet': dict(base_channels=16),
    'ResidualAttentionNet': dict(base_channels=16),
    'CSPMirrorNet': dict(gamma=0.5),
}


def config_backbones() -> Dict[str, dict]:
    """``model.backbone`` of each ``_custom27`` config (every backbone
    type and attention of ``configs/``, trained from scratch), keyed by the
    first config (sorted by name) that has it; twins are dropped. The COCO
    configs have the same backbones, frozen and pretrained."""
    backbones: Dict[str, dict] = {}
    seen = set()
    for path in sorted(CONFIG_DIR.glob('*_custom27.py')):
        backbone = Config.fromfile(str(path)).model.backbone.to_dict()
        key = repr(sorted(backbone.items()))
        if key not in seen:
            seen.add(key)
            backbones[path.stem] = backbone
    return backbones


CONFIG_BACKBONES = config_backbones()

#: Per backbone type, the depth argument that makes a shallow test model
#: running the same attention code: ResNet-18's BasicBlock for every
#: ResNet (MMDetection's Bottleneck is then not traced), Attention-56
#: (Attention-92 only repeats its attention modules) and CSPMirrorNet21.
SHALLOW = {
    'ResNet': dict(depth=18),
    'AttentionResNet': dict(depth=18),
    'GatedECAResNet': dict(depth=18),
    'ResidualAttentionNet': dict(arch='attention56'),
    'CSPMirrorNet': dict(arch='csp_mirror_net21'),
}


def build_backbone(config: str,
                   narrow: bool = False,
                   shallow: bool = False,
                   **overrides) -> torch.nn.Module:
    """The backbone of ``config`` (a key of :data:`CONFIG_BACKBONES`) with
    ``overrides`` merged into its config (and the :data:`NARROW` width and
    :data:`SHALLOW` depth if asked), randomly initialised (seed 0), in
    train mode."""
    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    torch.manual_seed(0)
    cfg = dict(CONFIG_BACKBONES[config], **overrides)
    if narrow:
        cfg.update(NARROW[cfg['type']])
    if shallow:
        cfg.update(SHALLOW[cfg['type']])
    model = MODELS.build(cfg)
    model.train()  # MMDetection's ResNet.train returns None
    return model
