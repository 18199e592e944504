"""A non-editable install ships the configs and tools under
``mmdet_attn/.mim/``: a wheel built from a copy of the repository, installed
into a fresh venv that reuses this environment's packages, imports from the
venv and resolves its configs' ``_base_`` files there."""
import os
import shutil
import subprocess
import sys
import sysconfig

from tool_runner import REPO_ROOT


def _run(args, cwd, env=None):
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def test_wheel_installs_configs_and_tools(tmp_path):
    source = tmp_path / 'src'
    shutil.copytree(
        REPO_ROOT,
        source,
        ignore=shutil.ignore_patterns('.git', '.venv', 'work_dirs', 'data',
                                      'build', '*.egg-info', '.mim',
                                      '__pycache__'))
    _run([
        sys.executable, '-m', 'pip', 'wheel', str(source), '--no-deps',
        '--no-build-isolation', '-q', '-w',
        str(tmp_path / 'dist')
    ], cwd=tmp_path)
    wheel = next((tmp_path / 'dist').glob('mmdet_attn-*.whl'))

    venv = tmp_path / 'venv'
    _run([sys.executable, '-m', 'venv', '--without-pip', str(venv)],
         cwd=tmp_path)
    python = venv / 'bin' / 'python'
    site = _run([
        str(python), '-c', 'import sysconfig; '
        "print(sysconfig.get_paths()['purelib'])"
    ], cwd=tmp_path).stdout.strip()
    # Without PYTHONPATH: a source tree on it would count as installed.
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    _run([
        sys.executable, '-m', 'pip', '--python',
        str(python), 'install', '--no-deps', '--no-index', '-q',
        str(wheel)
    ], cwd=tmp_path, env=env)
    # Then the venv sees this environment's torch, mmcv and mmdet (after
    # the install, or pip would find this package installed there).
    (tmp_path / site / 'reuse_env.pth').write_text(
        sysconfig.get_paths()['purelib'] + '\n')

    proc = _run([
        str(python), '-c', 'import os, mmdet_attn; '
        'from mmengine.config import Config; '
        "mim = os.path.join(os.path.dirname(mmdet_attn.__file__), '.mim'); "
        'print(mmdet_attn.__file__); '
        "cfg = Config.fromfile(os.path.join(mim, 'configs', "
        "'retinanet_attn_r18_custom27.py')); "
        'print(cfg.model.backbone.type, cfg.model.bbox_head.num_classes); '
        "print(sorted(os.listdir(os.path.join(mim, 'tools'))))"
    ], cwd=tmp_path, env=env)
    location, model, tools = proc.stdout.strip().splitlines()
    assert location.startswith(str(tmp_path / site))
    assert model == 'GatedECAResNet 27'
    for name in ('train.py', 'test.py', 'infer.py', 'dist_train.sh',
                 'model_converters', 'deployment', 'analysis_tools'):
        assert f"'{name}'" in tools
