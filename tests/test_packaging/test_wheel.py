"""A non-editable install ships the configs, the tools and the model index
under ``mmdet_attn/.mim/``, and nothing of ``research/``: a wheel built from
a copy of the repository, installed into a fresh venv that reuses this
environment's packages, imports from the venv and resolves its configs'
``_base_`` files there, and OpenMMLab's ``mim`` trains, runs tools and
searches configs with it."""
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections import namedtuple

import pytest
import yaml
from tool_runner import CONFIG_DIR, REPO_ROOT


def _run(args, cwd, env=None):
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


#: The venv's interpreter, its site-packages and the environment to run it in.
InstalledWheel = namedtuple('InstalledWheel', 'python site env')


@pytest.fixture(scope='module')
def installed_wheel(tmp_path_factory) -> InstalledWheel:
    """This package's wheel installed into a fresh venv."""
    tmp_path = tmp_path_factory.mktemp('wheel')
    source = tmp_path / 'src'
    shutil.copytree(
        REPO_ROOT,
        source,
        ignore=shutil.ignore_patterns('.git', '.venv', 'work_dirs', 'data',
                                      'build', '*.egg-info', '.mim',
                                      '__pycache__'))
    _run([
        sys.executable, '-m', 'pip', 'wheel',
        str(source), '--no-deps', '--no-build-isolation', '-q', '-w',
        str(tmp_path / 'dist')
    ],
         cwd=tmp_path)
    wheel = next((tmp_path / 'dist').glob('mmdet_attn-*.whl'))

    venv = tmp_path / 'venv'
    _run([sys.executable, '-m', 'venv', '--without-pip',
          str(venv)],
         cwd=tmp_path)
    python = venv / 'bin' / 'python'
    site = _run([
        str(python), '-c', 'import sysconfig; '
        "print(sysconfig.get_paths()['purelib'])"
    ],
                cwd=tmp_path).stdout.strip()
    # Without PYTHONPATH: a source tree on it would count as installed.
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    _run([
        sys.executable, '-m', 'pip', '--python',
        str(python), 'install', '--no-deps', '--no-index', '-q',
        str(wheel)
    ],
         cwd=tmp_path,
         env=env)
    # Then the venv sees this environment's torch, mmcv and mmdet (after
    # the install, or pip would find this package installed there).
    (tmp_path / site /
     'reuse_env.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')

    return InstalledWheel(python, tmp_path / site, env)


def test_wheel_installs_configs_and_tools(installed_wheel, tmp_path):
    python, site, env = installed_wheel
    proc = _run([
        str(python), '-c', 'import os, mmdet_attn; '
        'from mmengine.config import Config; '
        "mim = os.path.join(os.path.dirname(mmdet_attn.__file__), '.mim'); "
        'print(mmdet_attn.__file__); '
        "cfg = Config.fromfile(os.path.join(mim, 'configs', "
        "'retinanet_attn_r18_custom27.py')); "
        'print(cfg.model.backbone.type, cfg.model.bbox_head.num_classes); '
        "print(sorted(os.listdir(os.path.join(mim, 'tools'))))"
    ],
                cwd=tmp_path,
                env=env)
    location, model, tools = proc.stdout.strip().splitlines()
    assert location.startswith(str(site))
    assert model == 'GatedECAResNet 27'
    for name in ('train.py', 'test.py', 'infer.py', 'dist_train.sh',
                 'model_converters', 'deployment', 'analysis_tools'):
        assert f"'{name}'" in tools
    # research/ (studies, ledgers, profilers) stays beside the product.
    research = {
        path.name
        for path in (REPO_ROOT / 'research').rglob('*.*')
        if path.name != '__init__.py'
    }
    shipped = {path.name for path in site.rglob('*.*')}
    assert not (site / 'research').exists()
    assert not research & shipped


def _mim(installed_wheel, *args, cwd):
    """``mim ARGS`` run by the venv's interpreter (openmim comes from this
    environment, like torch)."""
    return _run([
        str(installed_wheel.python), '-c', 'from mim.cli import cli; cli()',
        *map(str, args)
    ],
                cwd=cwd,
                env=installed_wheel.env)


def test_mim_trains_runs_tools_and_searches_the_wheel(installed_wheel,
                                                      tiny_custom27, tmp_path):
    work_dir = tmp_path / 'work'
    # From a folder without configs/: mim finds the config in .mim/.
    proc = _mim(
        installed_wheel,
        'train',
        'mmdet_attn',
        'configs/faster_rcnn_attn_r18_custom27.py',
        '--work-dir',
        work_dir,
        '--cfg-options',
        f'data_root={tiny_custom27}/',
        'train_dataloader.batch_size=8',  # one iteration
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_cfg.max_epochs=1',
        'train_cfg.val_begin=2',
        cwd=tmp_path)
    expected = os.path.join(
        str(installed_wheel.site), 'mmdet_attn', '.mim', 'tools', 'train.py')
    assert f'Training command is {installed_wheel.python} {expected}' in \
        proc.stdout
    assert (work_dir / 'epoch_1.pth').is_file()

    proc = _mim(
        installed_wheel,
        'run',
        'mmdet_attn',
        'plot_curves',
        work_dir,
        '--keys',
        'loss',
        '--out',
        tmp_path / 'loss.png',
        cwd=tmp_path)
    assert re.search(r'loss: 1 points, last [\d.]+ at iter 1', proc.stdout)
    assert (tmp_path / 'loss.png').stat().st_size > 1000

    proc = _mim(installed_wheel, 'search', 'mmdet_attn', cwd=tmp_path)
    listed = set(re.findall(r'config id: (\S+)', proc.stdout))
    configs = {path.stem
               for path in CONFIG_DIR.glob('*.py')} | {
                   f'mmpretrain_{path.stem}'
                   for path in CONFIG_DIR.glob('pretrain/mmpretrain/*.py')
               } | {path.stem
                    for path in CONFIG_DIR.glob('pretrain/*.py')}
    assert listed == configs
    proc = _mim(
        installed_wheel,
        'search',
        'mmdet_attn',
        '--model',
        'faster_rcnn',
        '--field',
        'box_ap',
        cwd=tmp_path)
    assert re.search(
        r'config id: faster_rcnn_cbam_r50_custom27\n.*box_ap +18\.5',
        proc.stdout)


def test_model_index_lists_every_config_once():
    """``model-index.yml`` imports every metafile; each model names an
    existing config, each config is listed once, and results are given only
    for the ``_custom27`` configs that were trained (the study's)."""
    index = yaml.safe_load((REPO_ROOT / 'model-index.yml').read_text())
    configs = []
    for metafile in index['Import']:
        data = yaml.safe_load((REPO_ROOT / metafile).read_text())
        collections = {c['Name'] for c in data['Collections']}
        for model in data['Models']:
            assert model['In Collection'] in collections, model['Name']
            assert (REPO_ROOT / model['Config']).is_file(), model['Config']
            if 'Results' in model:
                assert model['Config'].endswith('_custom27.py')
            configs.append(model['Config'])
    assert len(configs) == len(set(configs))
    expected = {
        str(path.relative_to(REPO_ROOT))
        for path in CONFIG_DIR.rglob('*.py') if '_base_' not in path.parts
    }
    assert set(configs) == expected
