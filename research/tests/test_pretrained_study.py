"""research/pretrained_study.py: the paired statistics, the run
configs it composes (the second arm's loading every pretrained attention
key), the report of both arms, and one tiny pretrain -> fine-tune run that
resumes."""
import json
import math
import os
import re
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from backbone_checks import randomize
from deepforest_wheel import write_wheel
from mmengine.config import Config
from research_runner import load_script, run_script
from tool_runner import run_python_tool

STUDY = 'pretrained_study.py'
#: The second arm: attention pretrained with its trunk.
SECOND_ARM = ('attn_r18_pretrained', 'se_r50_pretrained', 'eca_r50_pretrained',
              'cbam_r50_pretrained')
#: A narrow backbone, for tiny models.
NARROW = dict(base_channels=8, stem_channels=8)


@pytest.fixture(scope='module')
def study_tool():
    return load_script(STUDY)


def test_paired_interval_is_students_t(study_tool):
    differences = [0.02, 0.05, 0.03, 0.04]
    mean, low, high = study_tool.paired_interval(differences)
    # t(0.975, 3) = 3.182; sd = 0.01291; half width 3.182 * 0.01291 / 2.
    assert mean == pytest.approx(0.035)
    assert high - mean == pytest.approx(mean - low)
    assert high - mean == pytest.approx(3.1824 * 0.012910 / 2, rel=1e-3)
    assert study_tool.verdict(low, high) == 'helps'
    assert study_tool.verdict(-high, -low) == 'hurts'
    assert study_tool.verdict(-0.01, 0.02) == 'not resolved'
    single = study_tool.paired_interval([0.1])
    assert single[0] == 0.1 and math.isnan(single[1])


def study_args(tmp_path: Path, **kwargs) -> SimpleNamespace:
    args = dict(
        work_dir=str(tmp_path),
        jobs=1,
        iters=dict(custom27=7, trees=5),
        schedule='configs/_base_/schedules/schedule_cpu_finetune.py',
        datasets=['custom27', 'trees'],
        seeds=[0, 1, 2],
        variants=['r18', 'attn_r18'],
        data_root={},
        rare=2,
        pretrain_dir=None,
        ledger=None,
        val_interval={})
    args.update(kwargs)
    return SimpleNamespace(**args)


def test_custom27_runs_take_the_users_regime_backbone(study_tool, tmp_path,
                                                      monkeypatch):
    monkeypatch.chdir(study_tool.REPO_ROOT)
    study = study_tool.Study(study_args(tmp_path))
    with pytest.raises(FileNotFoundError, match='r18 is not pretrained'):
        study.finetune_config('custom27', 'attn_r18')
    pretrain = study.pretrain_dir('r18')
    pretrain.mkdir(parents=True)
    (pretrain / 'study_run.json').write_text('{}')
    (pretrain / 'last_checkpoint').write_text(f'{pretrain}/epoch_3.pth')
    cfg = Config.fromfile(str(study.finetune_config('custom27', 'attn_r18')))
    trees = Config.fromfile('configs/faster_rcnn_attn_r18_trees.py')
    assert cfg.model.roi_head.bbox_head.num_classes == 27
    assert cfg.train_dataloader.dataset.data_root == 'data/custom27/'
    backbone = cfg.model.backbone
    assert backbone.type == 'GatedECAResNet'
    assert backbone.eca == trees.model.backbone.eca == dict(identity_init=True)
    assert backbone.frozen_stages == 1 and backbone.norm_eval
    assert backbone.init_cfg == dict(
        type='Pretrained',
        checkpoint=f'{pretrain}/epoch_3.pth',
        prefix='backbone.')
    assert cfg.train_cfg == dict(
        type='IterBasedTrainLoop', max_iters=7, val_interval=7)
    assert cfg.param_scheduler[1].end == 7
    trees_cfg = Config.fromfile(str(study.finetune_config('trees', 'r18')))
    assert trees_cfg.model.roi_head.bbox_head.num_classes == 1
    assert trees_cfg.train_cfg.max_iters == 5
    # A plateau study elsewhere: the same weights, validation every 2 steps.
    plateau = study_tool.Study(
        study_args(
            tmp_path / 'plateau',
            pretrain_dir=str(pretrain.parent),
            val_interval=dict(trees=2)))
    cfg = Config.fromfile(str(plateau.finetune_config('trees', 'r18')))
    assert cfg.model.backbone.init_cfg.checkpoint == f'{pretrain}/epoch_3.pth'
    assert cfg.train_cfg.val_interval == 2 and cfg.train_cfg.max_iters == 5


def write_run(runs: dict,
              key: str,
              m_ap: float,
              rare: float = 0.0,
              curve: dict = None,
              trunk: str = 'abc',
              iters: int = 7):
    metrics = {
        'coco/bbox_mAP': m_ap,
        'coco/bbox_mAP_50': m_ap,
        'coco/a_precision': rare,
        'coco/b_precision': rare
    }
    runs[key] = dict(
        metrics=metrics,
        minutes=1.0,
        curve=curve or {},
        trunk=trunk,
        iters=iters)


def test_report_pairs_each_variant_with_its_twin_by_seed(study_tool, tmp_path):
    data = tmp_path / 'custom27'
    (data / 'annotations').mkdir(parents=True)
    (data / 'annotations/instances_train.json').write_text(
        json.dumps(
            dict(
                categories=[
                    dict(id=1, name='a'),
                    dict(id=2, name='b'),
                    dict(id=3, name='c')
                ],
                annotations=[dict(category_id=3)] * 5 +
                [dict(category_id=1)])))
    runs = {
        f'pretrain/r18/{trunk}': dict(
            metrics={'accuracy/top1': top1},
            minutes=10.0,
            cpu_minutes=minutes,
            trunk=trunk,
            host=f'CPU {cpu}, 2 CPUs, 2 runs at a time, 1 threads a run')
        for trunk, top1, minutes, cpu in [('abc', 50.0, 12.0,
                                           'X'), ('def', 60.0, 6.0, 'Y')]
    }
    # Seed 2 ran on another machine, whose trunk differs: its pair counts.
    for seed, (plain, attn) in enumerate([(0.30, 0.35), (0.20, 0.26),
                                          (0.25, 0.29)]):
        trunk = 'def' if seed == 2 else 'abc'
        write_run(
            runs, f'custom27/r18/seed{seed}', plain, rare=0.1, trunk=trunk)
        write_run(
            runs, f'custom27/attn_r18/seed{seed}', attn, rare=0.2, trunk=trunk)
    write_run(runs, 'custom27/r18/seed7', 0.4, curve={'100': 0.3, '200': 0.4})
    # A variant not from its twin's trunk, or a run of another schedule (and
    # the variant paired with it), does not count.
    write_run(runs, 'custom27/r18/seed4', 0.3)
    write_run(runs, 'custom27/attn_r18/seed4', 0.9, trunk='old')
    write_run(runs, 'custom27/attn_r18/seed3', 0.9)
    write_run(runs, 'custom27/r18/seed3', 0.1, iters=600)
    ledger = tmp_path / 'runs.json'
    ledger.write_text(json.dumps(runs))
    args = study_args(
        tmp_path / 'study',
        datasets=['custom27'],
        seeds=[0, 1, 2, 3],
        ledger=str(ledger),
        data_root=dict(custom27=str(data)))
    study = study_tool.Study(args)
    found = study_tool.records(study)
    assert 'custom27/r18/seed3' not in found
    assert study.current('custom27/attn_r18/seed3') is None
    assert study.current('custom27/attn_r18/seed4') is None
    assert study.current('custom27/r18/seed4')['trunk'] == 'abc'
    assert study.current('custom27/attn_r18/seed2')['trunk'] == 'def'
    table = study_tool.report(args, found, len(runs) - len(found))
    rows = {
        line.split(' | ')[0].strip('| '): line
        for line in table.splitlines() if line.startswith('| ')
    }
    # Δ per seed 0.05, 0.06, 0.04: mean 0.05, sd 0.01, t(0.975, 2) = 4.303.
    # Its arm, and the top-1 of its trunks (seeds 0-1 from abc, 2 from def)
    # beside its twin's.
    assert '| attn_r18 | 3 | 0.300 ± 0.046 | 0.200 ± 0.000 | r18 | +0.050 | ' \
        '[+0.025, +0.075] | helps | attention new | 50.00, 60.00 | ' \
        '50.00, 60.00 |' == rows['attn_r18']
    assert rows['r18'].startswith('| r18 | 3 | 0.250 ± 0.050 | 0.100 ± 0.000')
    # Each trunk with its counted runs: seeds 0, 1, 4 and 7 from abc.
    assert '| r18 | 50.00 | 12 | `abc` | 6 |' in table
    assert '| r18 | 60.00 | 6 | `def` | 2 |' in table
    assert 'Rarest 2 training classes: b, a.' in table
    assert '3 runs of the ledger, not paired with their twin\'s trunk or ' \
        'of another iteration count, are left out.' in table
    # write_run's records predate CPU time: their wall minutes count.
    assert ('0.3 CPU-hours of training (2 runs measured; 8 recorded before '
            'CPU time was: their 0.1 wall-clock hours are counted instead, '
            'giving 0.4 in all)') in table
    assert ('on CPU X, 2 CPUs, 2 runs at a time, 1 threads a run (1 runs); '
            'CPU Y, 2 CPUs, 2 runs at a time, 1 threads a run (1 runs); '
            'a host not recorded (8 runs);') in table
    # Seed 7 is not in the study's seeds, but its curve is reported.
    assert '| 100 | 200 |' in table
    assert '| custom27/r18/seed7 | 0.300 | 0.400 |' in table
    assert 'custom27/r18/seed0 |' not in table


def test_a_seed_with_runs_to_train_trains_its_pairs_on_one_trunk(
        study_tool, tmp_path):
    runs = {}
    # Seed 0 is complete from trunk abc; seed 1 has only its plain run.
    for key in ('trees/r18/seed0', 'trees/attn_r18/seed0', 'trees/r18/seed1'):
        write_run(runs, key, 0.3)
    ledger = tmp_path / 'runs.json'
    ledger.write_text(json.dumps(runs))
    study = study_tool.Study(
        study_args(
            tmp_path / 'study',
            datasets=['trees'],
            iters=dict(custom27=7, trees=7),
            ledger=str(ledger)))
    keys = [(s, 'trees', v) for s in (0, 1) for v in ('r18', 'attn_r18')]
    # The same trunk on this machine: only the missing run.
    study.trunks = dict(r18='abc')
    assert study.to_train(keys) == [(1, 'trees', 'attn_r18')]
    # Another trunk: seed 1's plain run again too; seed 0 stays as it is.
    study.trunks = dict(r18='new')
    assert study.to_train(keys) == [(1, 'trees', 'r18'),
                                    (1, 'trees', 'attn_r18')]


def fake_pretraining(study, net: str, checkpoint: Path) -> None:
    """Mark ``net`` as pretrained by ``study``, its weights ``checkpoint``."""
    run_dir = study.pretrain_dir(net)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / 'study_run.json').write_text('{}')
    (run_dir / 'last_checkpoint').write_text(str(checkpoint))


def attention_forms(model: torch.nn.Module) -> dict:
    """Each attention layer's class, identity start and gates' formula
    (scale, offset), by module name."""
    from mmdet_attn.models.layers.base import AttentionMapMixin, Gate
    return {
        name: (type(module), module.identity_init, [(g.scale, g.offset)
                                                    for g in module.modules()
                                                    if isinstance(g, Gate)])
        for name, module in model.named_modules()
        if isinstance(module, AttentionMapMixin)
    }


def attention_keys(model: torch.nn.Module) -> set:
    """The state-dict keys of a model's attention layers."""
    from mmdet_attn.models.layers.base import AttentionMapMixin
    prefixes = tuple(f'{name}.' for name, module in model.named_modules()
                     if isinstance(module, AttentionMapMixin))
    return {key for key in model.state_dict() if key.startswith(prefixes)}


@pytest.mark.parametrize('variant', SECOND_ARM)
def test_second_arm_fine_tunes_the_attention_it_pretrained(
        study_tool, tmp_path, monkeypatch, variant):
    """The pretraining config is the plain twin's but for its backbone; the
    fine-tuning config is the first arm's but for the attention's form and
    weights; every attention key of the pretrained checkpoint loads, in
    the form it was pretrained in."""
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope

    from mmdet_attn.utils import checkpoint_safe_globals
    monkeypatch.chdir(study_tool.REPO_ROOT)
    init_default_scope('mmdet')
    spec = study_tool.VARIANTS[variant]
    net, twin = spec['pretrained'], spec['twin']
    first_arm = spec['config']
    assert study_tool.VARIANTS[first_arm]['arm'] == study_tool.NEW
    pretrain = Config.fromfile(study_tool.Study.pretrain_config(net))
    plain = Config.fromfile(study_tool.Study.pretrain_config(twin))
    for key in plain:
        if key != 'model':
            assert pretrain[key] == plain[key], key
    assert {k: v for k, v in pretrain.model.items() if k != 'backbone'} == \
        {k: v for k, v in plain.model.items() if k != 'backbone'}
    assert pretrain.model.backbone.depth == plain.model.backbone.depth

    # A tiny checkpoint of the pretraining classifier, unlike a fresh init.
    pretrain.model.backbone.update(NARROW)
    torch.manual_seed(0)
    classifier = randomize(MODELS.build(pretrain.model))
    checkpoint = tmp_path / 'epoch_8.pth'
    torch.save(dict(state_dict=classifier.state_dict()), checkpoint)
    study = study_tool.Study(study_args(tmp_path / 'study'))
    fake_pretraining(study, net, checkpoint)
    fake_pretraining(study, twin, tmp_path / 'plain.pth')
    cfg = Config.fromfile(str(study.finetune_config('custom27', variant)))
    first = Config.fromfile(str(study.finetune_config('custom27', first_arm)))
    backbone, first_backbone = cfg.model.backbone, first.model.backbone
    assert backbone.init_cfg == dict(
        type='Pretrained', checkpoint=str(checkpoint), prefix='backbone.')
    # The first arm's trunk settings, detector and schedule.
    changed = study_tool.ATTENTION_ARGS[backbone.type] + (
        'init_cfg', ) + tuple(spec.get('backbone', {}))
    assert {k: v for k, v in backbone.items() if k not in changed} == \
        {k: v for k, v in first_backbone.items() if k not in changed}
    assert backbone.frozen_stages == 1 and backbone.norm_eval
    assert backbone.freeze_attention is False
    assert {k: v for k, v in cfg.model.items() if k != 'backbone'} == \
        {k: v for k, v in first.model.items() if k != 'backbone'}
    for key in ('train_cfg', 'param_scheduler', 'optim_wrapper',
                'train_dataloader'):
        assert cfg[key] == first[key], key

    detector = MODELS.build(dict(backbone, **NARROW))
    with checkpoint_safe_globals():
        detector.init_weights()
    saved = {
        key[len('backbone.'):]: value
        for key, value in classifier.state_dict().items()
        if key.startswith('backbone.')
    }
    loaded = detector.state_dict()
    assert saved.keys() <= loaded.keys()
    for key, value in saved.items():
        torch.testing.assert_close(loaded[key], value, msg=key)
    assert attention_keys(classifier.backbone)
    # No pretrained attention key is missing; the gated ResNet-18's
    # classifier built only stage 4's output attention.
    new = attention_keys(detector) - saved.keys()
    if net == 'attn_r18':
        assert new and all(
            key.split('.')[0] in ('layer1_attention', 'layer2_attention',
                                  'layer3_attention') for key in new)
    else:
        assert not new
    # The form pretrained is the form fine-tuned.
    pretrained = attention_forms(classifier.backbone)
    tuned = attention_forms(detector)
    assert pretrained and {n: tuned[n] for n in pretrained} == pretrained
    # Attention new to the detector starts as the identity, as in the first
    # arm (an ordinary gate under norm_eval starts saturated at 0 or 1).
    identity = attention_forms(
        MODELS.build(dict(first_backbone, **NARROW, init_cfg=None)))
    for name in tuned.keys() - pretrained.keys():
        assert tuned[name] == identity[name] and tuned[name][1], name
    # The gated ResNet-18 is pretrained in that identity form (its new
    # gates need it); SE's, ECA's and CBAM's identity start is another
    # formula than the ordinary one they are pretrained in.
    if net == 'attn_r18':
        assert all(identity[n] == form for n, form in pretrained.items())
    else:
        assert all(identity[n] != form for n, form in pretrained.items())
    # Under norm_eval, the gated ResNet-18's attention BN trains (its stage
    # 1-3 gates are new: no statistics to keep; attention trains in every
    # stage here); the trunk's stays in eval mode.
    detector.train()
    attention_norms = {
        name: m.training
        for name, m in detector.named_modules()
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
        and '_attention.' in name
    }
    assert not detector.layer2[0].bn1.training
    if net == 'attn_r18':
        assert len(attention_norms) == 4 and all(attention_norms.values())


def test_second_arm_pairs_by_seed_on_custom27_only(study_tool, tmp_path,
                                                   monkeypatch):
    """A second-arm run counts from its own trunk, is paired by seed with
    its plain twin's, is not fine-tuned on trees, and is reported with its
    arm and its trunk's top-1 beside its twin's."""
    variants = study_tool.VARIANTS
    assert {v for v, spec in variants.items() if 'config' in spec} == \
        set(SECOND_ARM)
    assert all(variants[v]['arm'] == study_tool.WITH_TRUNK
               and variants[v]['datasets'] == ('custom27', )
               for v in SECOND_ARM)
    monkeypatch.setattr(study_tool, 'rare_classes', lambda args: [])
    runs = {
        f'pretrain/{net}/{trunk}':
        dict(metrics={'accuracy/top1': top1}, minutes=minutes, trunk=trunk)
        for net, trunk, top1, minutes in [('r50', 'abc', 70.0,
                                           1.0), ('se_r50', 'xyz', 75.0, 2.0)]
    }
    for seed, (plain, se) in enumerate([(0.40, 0.45), (0.42, 0.46),
                                        (0.41, 0.47)]):
        write_run(runs, f'custom27/r50/seed{seed}', plain, iters=600)
        write_run(
            runs,
            f'custom27/se_r50_pretrained/seed{seed}',
            se,
            trunk='xyz',
            iters=600)
        write_run(runs, f'trees/r50/seed{seed}', 0.01, iters=200)
    ledger = tmp_path / 'runs.json'
    ledger.write_text(json.dumps(runs))
    args = study_args(
        tmp_path / 'study',
        variants=['r50', 'se_r50_pretrained'],
        iters=dict(custom27=600, trees=200),
        ledger=str(ledger))
    study = study_tool.Study(args)
    found = study_tool.records(study)
    assert len(found) == len(runs)
    assert study_tool.fine_tuning_runs(args) == [
        (s, d, v) for s in (0, 1, 2)
        for d, v in [('custom27',
                      'r50'), ('custom27',
                               'se_r50_pretrained'), ('trees', 'r50')]
    ]
    custom27, trees = study_tool.report(args, found).split('### trees')
    # Δ per seed 0.05, 0.04, 0.06: mean 0.05, sd 0.01, t(0.975, 2) = 4.303.
    assert '| se_r50_pretrained | 3 | 0.460 ± 0.010 | r50 | +0.050 | ' \
        '[+0.025, +0.075] | helps | attention pretrained with the trunk | ' \
        '75.00 | 70.00 |' in custom27
    assert '| r50 | 3 | 0.410 ± 0.010 | - |  |  |  | plain twin | 70.00 ' \
        '|  |' in custom27
    assert '| se_r50 | 75.00 | 2 | `xyz` | 3 |' in custom27
    assert '| r50 | 3 | 0.010 ± 0.000 |' in trees
    assert 'se_r50_pretrained' not in trees
    # Asked for trees only, the second arm has nothing to run.
    monkeypatch.setattr(
        sys, 'argv',
        [STUDY, '--variants', 'se_r50_pretrained', '--datasets', 'trees'])
    with pytest.raises(SystemExit):
        study_tool.parse_args()
    sys.argv[-1] = 'custom27'
    assert study_tool.parse_args().variants == ['r50', 'se_r50_pretrained']


def markdown_sections(text: str) -> dict:
    """The lines of a report by ``### <dataset>`` section ('' first)."""
    sections = {'': []}
    lines = sections['']
    for line in text.splitlines():
        if line.startswith('### '):
            lines = sections.setdefault(line[4:], [])
        lines.append(line)
    return sections


def test_report_of_the_committed_ledger_keeps_the_published_rows(
        study_tool, tmp_path):
    """The committed ledger's report is the committed results file, each
    table row with the arm and the trunks' top-1 appended, and the second
    arm's rows after the first arm's, on custom27 only."""
    results = study_tool.REPO_ROOT / 'research' / 'results'
    published = (results / 'pretrained_study_results.md').read_text()
    rare = re.search(r'Rarest \d+ training classes: (.*)\.\n',
                     published).group(1).split(', ')
    # A training split in which exactly these classes are the rarest.
    annotations = tmp_path / 'custom27' / 'annotations'
    annotations.mkdir(parents=True)
    names = rare + ['common']
    (annotations / 'instances_train.json').write_text(
        json.dumps(
            dict(
                categories=[
                    dict(id=i, name=name) for i, name in enumerate(names)
                ],
                annotations=[
                    dict(category_id=i) for i in range(len(names))
                    for _ in range(i + 1)
                ])))
    args = study_args(
        tmp_path / 'study',
        seeds=[0, 1, 2, 3, 4],
        datasets=list(study_tool.DATASETS),
        variants=list(study_tool.VARIANTS),
        iters=dict(study_tool.DEFAULT_ITERS),
        rare=len(rare),
        ledger=str(results / 'pretrained_study_runs.json'),
        data_root=dict(custom27=str(tmp_path / 'custom27')))
    study = study_tool.Study(args)
    found = study_tool.records(study)
    report = markdown_sections(
        study_tool.report(args, found,
                          len(study.ledger.runs) - len(found)))
    for name, lines in markdown_sections(published).items():
        text = [line for line in lines if not line.startswith('|')]
        assert text == [
            line for line in report[name] if not line.startswith('|')
        ], name
        rows = [line for line in lines if line.startswith('|')]
        new_rows = [line for line in report[name] if line.startswith('|')]
        assert len(new_rows) >= len(rows)
        for old, new in zip(rows, new_rows):
            assert new.startswith(old), (old, new)
    custom27, trees = (
        dict((line.split(' | ')[0].strip('| '), line) for line in report[name]
             if line.startswith('| ')) for name in ('custom27', 'trees'))
    assert custom27['se_r50'].endswith(
        '| attention new | 72.67, 73.58 | 72.67, 73.58 |')
    assert custom27['ran56'].endswith(
        '| attention pretrained with the trunk | 79.67 | 72.67, 73.58 |')
    assert trees['r50'].endswith('| plain twin | 73.58 |  |')
    assert list(custom27)[-len(SECOND_ARM):] == list(SECOND_ARM)
    for variant in SECOND_ARM:
        assert f' | {study_tool.WITH_TRUNK} | ' in custom27[variant]
        assert variant not in trees


@pytest.fixture(scope='module')
def tiny_trees(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('study_trees')
    result = run_python_tool('dataset_converters/deepforest_trees.py',
                             str(root / 'trees'), '--wheel',
                             str(write_wheel(root)), '--tile-size', '64')
    assert result.returncode == 0, result.stdout + result.stderr
    return root / 'trees'


def test_tiny_study_pretrains_fine_tunes_and_resumes(study_tool, tiny_custom27,
                                                     tiny_trees, tmp_path):
    crops = tmp_path / 'crops'
    result = run_python_tool('dataset_converters/coco_crops.py',
                             str(tiny_custom27), str(crops), '--size', '32')
    assert result.returncode == 0, result.stdout + result.stderr
    narrow = ['model.backbone.base_channels=8']
    pretrain = narrow + [
        'model.in_channels=64', 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1',
        'train_dataloader.dataset.pipeline.1.scale=32'
    ]
    for split in ('train', 'val'):
        pretrain += [
            f'{split}_dataloader.dataset.data_root={crops}/',
            f'{split}_dataloader.dataset.indices=4',
            f'{split}_dataloader.batch_size=4',
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False'
        ]
    finetune = narrow + ['model.neck.in_channels=[8,16,32,64]']
    for split in ('train', 'val', 'test'):
        finetune += [
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False'
        ]
    work = tmp_path / 'study'
    ledger = tmp_path / 'runs.json'
    command = [
        '--variants', 'r18', '--datasets', 'trees', '--iters', 'trees=2',
        '--val-interval', 'trees=1', '--jobs', '1', '--work-dir',
        str(work), '--ledger',
        str(ledger), '--data-root', f'trees={tiny_trees}',
        '--pretrain-options', *pretrain, '--finetune-options', *finetune,
        '--seeds', '0'
    ]
    result = run_script(STUDY, *command)
    assert result.returncode == 0, (
        result.stdout[-3000:] + result.stderr[-3000:])
    pretrained = json.loads((work / 'pretrain/r18/study_run.json').read_text())
    assert 0 <= pretrained['metrics']['accuracy/top1'] <= 100
    run = json.loads((work / 'trees/r18/seed0/study_run.json').read_text())
    assert 0 <= run['metrics']['coco/bbox_mAP'] <= 1
    assert list(run['curve']) == ['1', '2']
    # One launch, its CPU time measured (the process's, not the clock's).
    launches = (work / 'trees/r18/seed0/study_launches.jsonl').read_text()
    assert len(launches.splitlines()) == 1
    launch = json.loads(launches)
    assert launch['exit_code'] == 0
    assert 0 < launch['cpu_seconds'] and 0 < launch['wall_seconds']
    assert run['cpu_minutes'] == launch['cpu_seconds'] / 60
    assert run['minutes'] == launch['wall_seconds'] / 60
    assert run['curve']['2'] == run['metrics']['coco/bbox_mAP']
    assert run['host'] == (f'{study_tool.cpu_model()}, {os.cpu_count()} '
                           'CPUs, 1 runs at a time, '
                           f'{os.cpu_count()} threads a run')
    assert pretrained['host'].endswith(', 1 runs at a time, 1 threads a run')
    config = Config.fromfile(str(work / 'trees/r18/study_config.py'))
    assert config.model.backbone.init_cfg.checkpoint.endswith('epoch_1.pth')
    log = (work / 'trees/r18/seed0/study_train.log').read_text()
    assert ('Loads checkpoint by local_file backend from path: '
            f'{work}/pretrain/r18/epoch_1.pth') in log
    assert '| r18 | 1 |' in (work / 'study.md').read_text()
    # Done runs are not trained again: a second launch only reports.
    again = run_script(STUDY, *command)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert 'seed 0:' not in again.stdout and 'pretrain' not in again.stdout
    assert (work / 'trees/r18/seed0/study_launches.jsonl').read_text() == \
        launches
    assert 'CPU-hours of training, ' in (work / 'study.md').read_text()
    assert len(list((work / 'trees/r18/seed0').glob('*/vis_data'))) == 1
    # The ledger holds both runs, the fine-tuning one with its trunk.
    runs = json.loads(ledger.read_text())
    pretrained_keys = [key for key in runs if key.startswith('pretrain/')]
    trunk = pretrained_keys[0].split('/')[2]
    assert pretrained_keys == [f'pretrain/r18/{trunk}']
    assert runs[f'pretrain/r18/{trunk}']['trunk'] == trunk
    assert runs['trees/r18/seed0'] == dict(run, trunk=trunk, iters=2) == run
    # A new checkout (no work dir) with the ledger trains nothing ...
    shutil.rmtree(work)
    again = run_script(STUDY, *command)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert not (work / 'pretrain').exists()
    assert '| r18 | 1 |' in (work / 'study.md').read_text()
    # ... and a new seed pretrains the trunk again, one thread, the same
    # weights: the ledger's seed 0 still pairs with the new seed 1.
    more = run_script(STUDY, *command, '1')
    assert more.returncode == 0, more.stdout[-3000:] + more.stderr[-3000:]
    after = json.loads(ledger.read_text())
    assert [key for key in after
            if key.startswith('pretrain/')] == pretrained_keys
    assert after['trees/r18/seed0'] == runs['trees/r18/seed0']
    assert after['trees/r18/seed1']['trunk'] == trunk
    assert more.stdout.count('seed 1:') == 1 and 'seed 0:' not in more.stdout
    assert '| r18 | 2 |' in (work / 'study.md').read_text()
