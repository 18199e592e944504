"""The pretraining path end to end on CPU: object crops of the synthetic
set in the ImageNet layout pretrain each backbone through tools/train.py,
and the matching detector config loads the result, key for key."""
import re
from pathlib import Path
from typing import Dict

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import BaseDataElement
from tool_runner import (CONFIG_DIR, assert_trained, run_python_tool,
                         train_in_one_process)

from mmdet_attn.utils import checkpoint_safe_globals

#: The COCO configs of attention new on a plain trunk leave stage 1 plain
#: (it is frozen); started from an attention ResNet pretrained as a whole,
#: the detector keeps stage 1's attention, frozen with it.
EVERY_STAGE = dict(stage_with_attention=(True, ) * 4)
#: Pretraining config -> the COCO config that loads it, and backbone
#: overrides that make both narrow (cheap on CPU; the keys are the same).
PRETRAIN_TO_DETECTOR = {
    'ran56_in1k': ('faster_rcnn_ran56.py', dict(base_channels=8)),
    'ran92_in1k': ('faster_rcnn_ran92.py', dict(base_channels=8)),
    'ranext56_in1k':
    ('faster_rcnn_ran56.py', dict(arch='attentionnext56', base_channels=32)),
    'cspmirrornet53_in1k':
    ('faster_rcnn_cspmirrornet_fpn.py', dict(gamma=0.125)),
    'se_r50_in1k': ('faster_rcnn_se_r50.py',
                    dict(base_channels=8, stem_channels=8)),
    'eca_r50_in1k': ('faster_rcnn_eca_r50.py',
                     dict(base_channels=8, stem_channels=8, **EVERY_STAGE)),
    'cbam_r50_in1k': ('faster_rcnn_cbam_r50.py',
                      dict(base_channels=8, stem_channels=8, **EVERY_STAGE)),
    'sam_r50_in1k': ('faster_rcnn_sam_r50.py',
                     dict(base_channels=8, stem_channels=8, **EVERY_STAGE)),
    'attn_r18_in1k': ('faster_rcnn_attn_r18.py',
                      dict(base_channels=8, stem_channels=8)),
}
#: Two pretraining runs go through tools/train.py (in one process): a
#: Residual Attention Network and the gated ResNet-18 with validation;
#: every other config shares their code path and is checked key for key
#: below.
TRAINED = ('ran56_in1k', 'attn_r18_in1k')


def narrow_classifier(name: str) -> Config:
    """The pretraining config ``name`` with its narrow backbone."""
    cfg = Config.fromfile(str(CONFIG_DIR / 'pretrain' / f'{name}.py'))
    cfg.model.backbone.update(PRETRAIN_TO_DETECTOR[name][1])
    return cfg


def detector_backbone(name: str, checkpoint: str = None):
    """The backbone of the COCO config that loads ``name``'s output."""
    config, overrides = PRETRAIN_TO_DETECTOR[name]
    cfg = Config.fromfile(str(CONFIG_DIR / config)).model.backbone
    cfg.update(overrides)
    cfg.init_cfg.update(prefix='backbone.', checkpoint=checkpoint)
    init_default_scope('mmdet')
    return MODELS.build(cfg)


@pytest.fixture(scope='module')
def crops(tiny_custom27, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('crops')
    result = run_python_tool('dataset_converters/coco_crops.py',
                             str(tiny_custom27), str(out), '--size', '32')
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def tiny_run_options(crops: Path, val: bool) -> list:
    """Point an ImageNet config at the crops: 27 classes, 32 px, 4 images
    of one batch, one epoch, validation only when ``val``."""
    options = [
        'model.num_classes=27', 'train_cfg.max_epochs=1',
        f'train_cfg.val_interval={1 if val else 2}'
    ]
    for split in ('train', 'val'):
        options += [
            f'{split}_dataloader.dataset.data_root={crops}/',
            f'{split}_dataloader.dataset.indices=4',
            f'{split}_dataloader.batch_size=4',
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False',
        ]
    return options + [
        'train_dataloader.dataset.pipeline.1.scale=32',
        'val_dataloader.dataset.pipeline.1.scale=(100000,36)',
        'val_dataloader.dataset.pipeline.2.crop_size=32',
    ]


def test_crops_tool_writes_imagenet_layout(crops):
    classes = sorted(p.name for p in (crops / 'train').iterdir())
    from mmdet_attn.datasets import CUSTOM27_CLASSES
    assert classes == sorted(CUSTOM27_CLASSES)
    images = list((crops / 'train').glob('*/*.png'))
    assert images
    import cv2
    assert cv2.imread(str(images[0])).shape == (32, 32, 3)


#: Backbone layers of the returned maps only: a classifier reads the last
#: stage and does not build those of the others.
OUTPUT_ONLY = re.compile(r'^(layer[123]_attention|out_norm[123])\.')


@pytest.mark.parametrize('name', list(PRETRAIN_TO_DETECTOR))
def test_detector_has_the_classifiers_backbone_keys(name):
    cfg = narrow_classifier(name)
    init_default_scope('mmdet')
    classifier = MODELS.build(cfg.model)
    keys = {
        k[len('backbone.'):]
        for k in classifier.state_dict() if k.startswith('backbone.')
    }
    detector_keys = set(detector_backbone(name).state_dict())
    assert keys <= detector_keys
    assert all(OUTPUT_ONLY.match(k) for k in detector_keys - keys)


@pytest.mark.parametrize('name', list(PRETRAIN_TO_DETECTOR))
def test_every_classifier_parameter_gets_gradient(name):
    """So DDP needs no ``find_unused_parameters``."""
    cfg = narrow_classifier(name)
    init_default_scope('mmdet')
    cfg.model.in_channels = MODELS.build(cfg.model.backbone).out_channels[-1]
    torch.manual_seed(0)
    classifier = MODELS.build(cfg.model)
    classifier.train()
    samples = [
        BaseDataElement(gt_label=torch.tensor([i % 3])) for i in range(2)
    ]
    losses = classifier(torch.rand(2, 3, 32, 32), samples, mode='loss')
    losses['loss'].backward()
    silent = [
        n for n, p in classifier.named_parameters()
        if p.requires_grad and p.grad is None
    ]
    assert not silent


@pytest.fixture(scope='module')
def pretrained(crops, tmp_path_factory) -> Dict[str, Path]:
    """Each of :data:`TRAINED` pretrained one batch by ``tools/train.py`` on
    the crops, both runs in one process: name -> work dir."""
    root = tmp_path_factory.mktemp('pretrain')
    runs = []
    for name in TRAINED:
        cfg = narrow_classifier(name)
        init_default_scope('mmdet')
        width = MODELS.build(cfg.model.backbone).out_channels[-1]
        overrides = [
            f'model.backbone.{k}={v}'
            for k, v in PRETRAIN_TO_DETECTOR[name][1].items()
        ]
        runs.append([
            str(CONFIG_DIR / 'pretrain' / f'{name}.py'), '--work-dir',
            str(root / name), '--cfg-options', *overrides,
            f'model.in_channels={width}',
            *tiny_run_options(crops, val=name == 'attn_r18_in1k')
        ])
    train_in_one_process(runs, root / 'runs.json')
    return {name: root / name for name in TRAINED}


@pytest.mark.parametrize('name', TRAINED)
def test_pretrain_then_detector_loads_backbone(name, pretrained):
    work_dir = pretrained[name]
    assert_trained(work_dir)
    if name == 'attn_r18_in1k':
        log, = work_dir.glob('*/*.log')
        assert 'accuracy/top1' in log.read_text()

    checkpoint = work_dir / 'epoch_1.pth'
    backbone = detector_backbone(name, str(checkpoint))
    with checkpoint_safe_globals():
        state = torch.load(checkpoint, weights_only=True)['state_dict']
        backbone.init_weights()
    for key, value in backbone.state_dict().items():
        if not OUTPUT_ONLY.match(key):
            torch.testing.assert_close(
                value, state[f'backbone.{key}'], msg=key)


def test_pretrain_config_for_mmpretrain_users_parses():
    """configs/pretrain/mmpretrain/ inherit MMPretrain's ImageNet recipe
    (they run where torchvision is installed; parsing needs the package
    only)."""
    configs = (CONFIG_DIR / 'pretrain' / 'mmpretrain').glob('*.py')
    for config in sorted(configs):
        cfg = Config.fromfile(str(config))
        assert cfg.custom_imports.imports == ['mmdet_attn']
        assert cfg.model.backbone.type.startswith('mmdet.')
        assert cfg.model.head.num_classes == 1000
        assert cfg.train_cfg.max_epochs == 100
