"""``import mmdet_attn`` lets every stock entry point load this package's
checkpoints (written by ``tools/train.py``), still refuses other pickled
globals, and names the file when a checkpoint is truncated or corrupt."""
import os
import subprocess
import sys
import textwrap

import pytest
import torch
from tool_runner import CONFIG_DIR, data_options, load_tool, run_tool

import mmdet_attn  # noqa: F401
from mmdet_attn.utils import (CheckpointLoadError, checkpoint_safe_globals,
                              mmengine_checkpoint_globals)

CONFIG = CONFIG_DIR / 'faster_rcnn_attn_r18_custom27.py'


class _SystemPayload:
    """Unpickling it would call ``os.system``."""

    def __reduce__(self):
        return (os.system, ('echo pwned', ))


def _run_python(code: str) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter, from the repository root."""
    return run_tool([sys.executable, '-c', textwrap.dedent(code)])


def test_import_alone_allows_the_checkpoint_and_refuses_os_system(
        trained_attn_r18, tmp_path):
    ckpt = trained_attn_r18 / 'epoch_1.pth'
    evil = tmp_path / 'evil.pth'
    checkpoint = torch.load(ckpt, map_location='cpu')
    checkpoint['meta']['payload'] = _SystemPayload()
    torch.save(checkpoint, evil)
    proc = _run_python(f"""
        import pickle, torch
        try:
            torch.load({str(ckpt)!r})
        except pickle.UnpicklingError:
            print('REFUSED BEFORE IMPORT')
        import mmdet_attn
        ckpt = torch.load({str(ckpt)!r})
        print('LOADED', ckpt['meta']['iter'])
        try:
            torch.load({str(evil)!r})
        except pickle.UnpicklingError as err:
            print('REFUSED', 'system' in str(err))
        """)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split('\n')[:3] == [
        'REFUSED BEFORE IMPORT', 'LOADED 2', 'REFUSED True'
    ]
    assert 'pwned' not in proc.stdout


def test_scoped_context_leaves_the_process_allow_list(trained_attn_r18):
    with checkpoint_safe_globals():
        pass
    allowed = torch.serialization.get_safe_globals()
    assert all(g in allowed for g in mmengine_checkpoint_globals())
    torch.load(trained_attn_r18 / 'epoch_1.pth', map_location='cpu')


def test_init_detector_and_det_inferencer(trained_attn_r18, tiny_custom27):
    from mmdet.apis import DetInferencer, init_detector

    from mmdet_attn.datasets import CUSTOM27_CLASSES

    ckpt = str(trained_attn_r18 / 'epoch_1.pth')
    model = init_detector(str(CONFIG), ckpt, device='cpu')
    assert type(model.backbone).__name__ == 'GatedECAResNet'
    assert tuple(model.dataset_meta['classes']) == CUSTOM27_CLASSES
    saved = torch.load(ckpt, map_location='cpu')['state_dict']
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, saved[name], rtol=0, atol=0)

    inferencer = DetInferencer(
        str(CONFIG), ckpt, device='cpu', show_progress=False)
    image = str(tiny_custom27 / 'val' / '000000.png')
    result = inferencer(image, return_datasamples=True, no_save_vis=True)
    assert len(result['predictions']) == 1


def test_load_checkpoint_and_runner_load_from(trained_attn_r18, tiny_custom27,
                                              tmp_path):
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner, load_checkpoint

    from mmdet_attn.utils import load_run_config

    ckpt = str(trained_attn_r18 / 'epoch_1.pth')
    saved = torch.load(ckpt, map_location='cpu')['state_dict']
    cfg = load_run_config(str(CONFIG), work_dir=str(tmp_path))
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    checkpoint = load_checkpoint(model, ckpt, map_location='cpu')
    assert checkpoint['meta']['iter'] == 2
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, saved[name], rtol=0, atol=0)

    options = dict(o.split('=', 1) for o in data_options(tiny_custom27))
    options = {
        k: (0 if k.endswith('num_workers') else
            False if k.endswith('persistent_workers') else v)
        for k, v in options.items()
    }
    cfg = load_run_config(str(CONFIG), options, str(tmp_path))
    cfg.load_from = ckpt
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    for name, value in runner.model.state_dict().items():
        torch.testing.assert_close(value, saved[name], rtol=0, atol=0)


def test_mmdetection_stock_test_tool(trained_attn_r18, tiny_custom27,
                                     tmp_path):
    """MMDetection's own ``tools/test.py`` (shipped in ``mmdet/.mim``)
    evaluates the checkpoint: the config's ``custom_imports`` is enough.
    (The one-key ``data_root`` is this package's tools' own: the stock tool
    is repointed split by split.)"""
    import mmdet
    stock = os.path.join(
        os.path.dirname(mmdet.__file__), '.mim', 'tools', 'test.py')
    options = ['model.test_cfg.rcnn.score_thr=0.0']
    for split in ('val', 'test'):
        options += [
            f'{split}_dataloader.dataset.data_root={tiny_custom27}/',
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False'
        ]
    proc = run_tool([
        sys.executable, stock,
        str(CONFIG),
        str(trained_attn_r18 / 'epoch_1.pth'), '--work-dir',
        str(tmp_path), '--cfg-options', *options
    ])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert 'coco/bbox_mAP' in proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def truncated_checkpoint(trained_attn_r18, tmp_path_factory):
    data = (trained_attn_r18 / 'epoch_1.pth').read_bytes()
    path = tmp_path_factory.mktemp('truncated') / 'truncated.pth'
    path.write_bytes(data[:len(data) // 2])
    return path


def test_truncated_checkpoint_is_named_in_process(truncated_checkpoint,
                                                  tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    with pytest.raises(CheckpointLoadError) as info:
        _load_checkpoint(str(truncated_checkpoint), map_location='cpu')
    message = str(info.value)
    assert str(truncated_checkpoint) in message
    assert 'truncated or corrupt' in message

    garbage = tmp_path / 'garbage.pth'
    garbage.write_bytes(b'not a checkpoint at all')
    with pytest.raises(CheckpointLoadError, match='garbage.pth'):
        _load_checkpoint(str(garbage), map_location='cpu')


def test_truncated_checkpoint_is_named_by_runner_load_from(
        truncated_checkpoint, tiny_custom27, tmp_path):
    """``load_from`` in a config (``tools/train.py`` builds this runner)."""
    from mmengine.runner import Runner

    from mmdet_attn.utils import load_run_config

    cfg = load_run_config(str(CONFIG), work_dir=str(tmp_path))
    cfg.load_from = str(truncated_checkpoint)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(
            CheckpointLoadError,
            match=f'cannot load checkpoint {truncated_checkpoint}'):
        runner.load_or_resume()


@pytest.mark.parametrize('tool', ['test.py', 'train.py --resume'])
def test_truncated_checkpoint_is_named_by_the_tools(tool, truncated_checkpoint,
                                                    tiny_custom27, tmp_path,
                                                    monkeypatch):
    """The tools' ``main``, called here: the error they end with."""
    if tool == 'test.py':
        args = [str(CONFIG), str(truncated_checkpoint)]
    else:
        args = [str(CONFIG), '--resume', str(truncated_checkpoint)]
    monkeypatch.setattr(sys, 'argv', [
        tool.split()[0], *args, '--work-dir',
        str(tmp_path), '--cfg-options', *data_options(tiny_custom27)
    ])
    with pytest.raises(CheckpointLoadError) as info:
        load_tool(tool.split()[0]).main()
    message = str(info.value)
    assert message.startswith(
        f'cannot load checkpoint {truncated_checkpoint}'), message
    assert 'truncated or corrupt' in message
