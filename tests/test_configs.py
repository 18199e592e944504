"""Every config loads and builds its detector; the package registers what
the configs name."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tool_runner import CONFIG_DIR

from mmdet_attn.models.weight_converters.schemes import resolve_source
from mmdet_attn.utils import head_num_classes, pretrained_checkpoints

CONFIGS = sorted(p for p in CONFIG_DIR.glob('*.py'))
COCO_CONFIGS = [p for p in CONFIGS if not p.stem.endswith('_custom27')]


def test_import_registers_package_modules():
    from mmdet.registry import DATASETS

    import mmdet_attn  # noqa: F401
    assert DATASETS.get('StrictCocoDataset') is not None


def test_configs_found():
    names = {p.name for p in CONFIGS}
    assert {'faster_rcnn_r18.py', 'faster_rcnn_r18_custom27.py'} <= names


@pytest.mark.parametrize('config', CONFIGS, ids=lambda p: p.stem)
def test_config_builds_detector(config: Path):
    cfg = Config.fromfile(str(config))
    assert cfg.custom_imports.imports == ['mmdet_attn']
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    from mmdet.registry import MODELS
    cfg.model.backbone.init_cfg = None  # no download: see the test below
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()
    num_classes = {n for _, n in head_num_classes(cfg.model)}
    if config.stem.endswith('_custom27'):
        from mmdet_attn.datasets import CUSTOM27_CLASSES
        assert tuple(cfg.classes) == CUSTOM27_CLASSES
        assert num_classes == {len(CUSTOM27_CLASSES)} == {27}
    elif config.stem.endswith('_trees'):
        assert tuple(cfg.classes) == ('tree', ) and num_classes == {1}
    else:
        assert num_classes == {80}
    with torch.no_grad():
        feats = model.extract_feat(torch.rand(1, 3, 128, 160))
    strides = [128 // f.shape[2] for f in feats]
    # RetinaNet's FPN starts at stride 8 (start_level=1) and adds P6, P7.
    first = 4 * 2**cfg.model.neck.get('start_level', 0)
    assert strides == [first * 2**i for i in range(5)]


@pytest.mark.parametrize('config', COCO_CONFIGS, ids=lambda p: p.stem)
def test_coco_config_names_its_weights_source(config: Path):
    """Each COCO (and _trees) config starts from ImageNet weights: a public
    https checkpoint, a checkpoint scheme that converts published weights on
    load (``timm://``, ``ecanet://``, ``cbam://``: checked in
    test_configs_pretrained_attention.py), or the last epoch of its
    backbone's pretraining config; each _scratch config from nothing."""
    cfg = Config.fromfile(str(config))
    if config.stem.endswith('_scratch'):
        assert not pretrained_checkpoints(cfg.model)
        assert cfg.model.backbone.norm_cfg.type == 'GN'
        return
    init_cfg = cfg.model.backbone.init_cfg
    assert init_cfg.type == 'Pretrained'
    assert cfg.model.backbone.frozen_stages == 1
    assert cfg.model.backbone.norm_eval is True
    checkpoint = init_cfg.checkpoint
    if checkpoint.startswith('https://'):
        assert checkpoint.endswith('.pth')
        return
    if resolve_source(checkpoint) is not None:
        return
    work_dirs, name, epoch = checkpoint.split('/')
    pretrain = Config.fromfile(str(CONFIG_DIR / 'pretrain' / f'{name}.py'))
    assert work_dirs == 'work_dirs' and init_cfg.prefix == 'backbone.'
    assert epoch == f'epoch_{pretrain.train_cfg.max_epochs}.pth'
    for key in ('type', 'arch'):
        assert pretrain.model.backbone.get(key) == cfg.model.backbone.get(key)


def test_imagenet_checkpoint_is_one_cfg_option_away(tmp_path):
    """The README's way to start from ImageNet weights: a plain ResNet-18
    state dict (torchvision naming, with its fc) loads into the backbone."""
    from mmdet.models.backbones import ResNet
    from mmdet.registry import MODELS

    from mmdet_attn.utils import load_run_config

    torch.manual_seed(0)
    imagenet = ResNet(depth=18).state_dict()
    imagenet['fc.weight'] = torch.zeros(1000, 512)
    imagenet['fc.bias'] = torch.zeros(1000)
    path = tmp_path / 'resnet18.pth'
    torch.save(imagenet, path)

    cfg = load_run_config(
        str(CONFIG_DIR / 'faster_rcnn_r18.py'), {
            'model.backbone.init_cfg.type': 'Pretrained',
            'model.backbone.init_cfg.checkpoint': str(path),
            'model.backbone.frozen_stages': 1,
            'model.backbone.norm_eval': True,
        })
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    model.init_weights()
    loaded = model.backbone.state_dict()
    for name, value in loaded.items():
        torch.testing.assert_close(value, imagenet[name], rtol=0, atol=0)


def test_readme_own_data_config_repoints_every_split(tiny_custom27, tmp_path):
    """The README's config for one's own 27-class data moves the train, val
    and test sets and both evaluators to the new root."""
    from mmdet.registry import DATASETS

    from mmdet_attn.datasets import CUSTOM27_CLASSES
    config = tmp_path / 'my_data.py'
    config.write_text(
        f"_base_ = '{CONFIG_DIR / 'faster_rcnn_r18_custom27.py'}'\n"
        f'classes = {CUSTOM27_CLASSES!r}\n'
        f"root = '{tiny_custom27}/'\n"
        'train_dataloader = dict(dataset=dict(data_root=root, '
        'metainfo=dict(classes=classes)))\n'
        'val_dataloader = dict(dataset=dict(data_root=root, '
        'metainfo=dict(classes=classes)))\n'
        'test_dataloader = val_dataloader\n'
        "val_evaluator = dict(ann_file=root + "
        "'annotations/instances_val.json')\n"
        'test_evaluator = val_evaluator\n')
    cfg = Config.fromfile(str(config))
    init_default_scope('mmdet')
    for split, size in (('train', 8), ('val', 4), ('test', 4)):
        dataset_cfg = cfg[f'{split}_dataloader'].dataset
        assert dataset_cfg.data_root == f'{tiny_custom27}/'
        assert len(DATASETS.build(dataset_cfg)) == size
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        assert evaluator.ann_file.startswith(str(tiny_custom27))
