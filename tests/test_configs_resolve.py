"""The configs state each backbone once: a backbone is written out (a dict
whose ``type`` is a registered backbone) only in ``configs/_base_/backbones/``
and the detector and dataset configs inherit it from there (read from the
config files' text). As they resolve, no config starts new attention in a
stage it freezes."""
import ast
import inspect
import re
from pathlib import Path
from typing import Dict, List

import pytest
from mmdet.registry import MODELS
from mmengine.config import Config
from tool_runner import CONFIG_DIR

import mmdet_attn  # noqa: F401  (registers this package's backbones)

BACKBONE_DIR = CONFIG_DIR / '_base_' / 'backbones'
PRETRAIN_DIR = CONFIG_DIR / 'pretrain'  # classifiers, out of this rule
CONFIG_FILES = sorted(
    p for p in CONFIG_DIR.rglob('*.py') if PRETRAIN_DIR not in p.parents)
BACKBONE_BASES = sorted(BACKBONE_DIR.glob('*.py'))


def is_backbone(type_name: str) -> bool:
    cls = MODELS.get(type_name)
    return cls is not None and '.backbones.' in cls.__module__


def backbone_dicts(path: Path) -> List[str]:
    """``line: type`` of each ``dict(type=...)`` or ``{'type': ...}`` in
    ``path`` whose type is a backbone."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, 'id',
                                                  None) == 'dict':
            values = [k.value for k in node.keywords if k.arg == 'type']
        elif isinstance(node, ast.Dict):
            values = [
                v for k, v in zip(node.keys, node.values)
                if isinstance(k, ast.Constant) and k.value == 'type'
            ]
        else:
            continue
        found += [
            f'{node.lineno}: {v.value}' for v in values
            if isinstance(v, ast.Constant) and isinstance(v.value, str)
            and is_backbone(v.value)
        ]
    return found


def own_names(path: Path) -> List[str]:
    """The top-level names a config file assigns, ``_base_`` aside."""
    return [
        target.id for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.Assign) for target in node.targets
        if isinstance(target, ast.Name) and target.id != '_base_'
    ]


def test_backbones_are_written_only_in_backbone_bases():
    assert BACKBONE_BASES and CONFIG_FILES
    assert backbone_dicts(BACKBONE_DIR / 'cbam_r50.py')  # the check sees
    outside = {
        str(path.relative_to(CONFIG_DIR)): found
        for path in CONFIG_FILES if BACKBONE_DIR not in path.parents
        for found in [backbone_dicts(path)] if found
    }
    assert not outside, (
        'a backbone is written out in these configs: state it once in '
        f'configs/_base_/backbones/ and inherit it: {outside}')


def test_backbone_bases_can_sit_beside_any_detector_base():
    """MMEngine refuses a key that two bases of one config define: each
    backbone base defines only names that start with its file's name
    (``cbam_r50``, ``cbam_r50_imagenet``), and no ``model``."""
    owner: Dict[str, str] = {}
    for path in BACKBONE_BASES:
        names = own_names(path)
        assert names, path.name
        for name in names:
            assert re.fullmatch(rf'{re.escape(path.stem)}(_\w+)?', name), (
                f'{path.name} defines {name!r}: name it {path.stem}_...')
            assert name not in owner, f'{name} in {owner.get(name)} and ' \
                f'{path.name}'
            owner[name] = path.name


def test_every_backbone_base_is_inherited():
    texts = '\n'.join(path.read_text() for path in CONFIG_FILES)
    unused = [
        path.name for path in BACKBONE_BASES
        if f'backbones/{path.name}' not in texts
        and f"'./{path.name}'" not in texts
    ]
    assert not unused


FINE_TUNED = [
    p for p in sorted(CONFIG_DIR.glob('*.py'))
    if not p.stem.endswith(('_custom27', '_scratch'))
]


def identity_start(slot: str, cfg) -> bool:
    """Whether an attention config starts as the identity (new on a
    pretrained trunk): ``identity_init``, SAM's residual form, or a
    non-local block (MMCV's zero init)."""
    if not cfg:
        return False
    return slot == 'non_local' or bool(
        cfg.get('identity_init')) or (cfg.get('type') == 'SAM'
                                      and cfg.get('mode') == 'residual')


def frozen_identity_attention(backbone) -> List[str]:
    """``stage N: slot`` for each attention of a frozen stage that starts
    as the identity and is frozen with its stage."""
    defaults = {}
    for cls in reversed(MODELS.get(backbone.type).__mro__):
        if '__init__' in vars(cls):
            defaults.update((name, param.default) for name, param in
                            inspect.signature(cls.__init__).parameters.items()
                            if param.default is not param.empty)

    def arg(name):
        return backbone.get(name, defaults.get(name))

    if 'freeze_attention' not in defaults or not arg('freeze_attention'):
        return []
    found = []
    for slot, switch in (('attention', 'stage_with_attention'),
                         ('attention_gate', 'stage_with_gate'),
                         ('eca', 'stage_with_eca'), ('non_local',
                                                     'stage_with_non_local')):
        if slot not in defaults:
            continue
        cfg = arg(slot)
        per_stage = list(cfg) if isinstance(cfg, (list, tuple)) else [cfg] * 4
        found += [
            f'stage {stage + 1}: {slot}'
            for stage in range(arg('frozen_stages'))
            if arg(switch)[stage] and identity_start(slot, per_stage[stage])
        ]
    return found


@pytest.mark.parametrize('config', FINE_TUNED, ids=lambda p: p.stem)
def test_no_new_attention_in_a_frozen_stage(config: Path):
    """Attention that starts as the identity in a stage frozen with it would
    stay the identity: the COCO configs start new attention after the frozen
    stages; the _trees configs (the published study) train it there
    (``freeze_attention=False``)."""
    backbone = Config.fromfile(str(config)).model.backbone
    if MODELS.get(backbone.type) is None:  # pragma: no cover
        pytest.fail(f'unknown backbone {backbone.type}')
    assert not frozen_identity_attention(backbone)
