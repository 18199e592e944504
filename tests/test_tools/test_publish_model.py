"""``tools/model_converters/publish_model.py``: meta and state_dict only,
named by its sha256, loadable with a plain weights-only ``torch.load``."""
import hashlib
import re
import sys

import numpy as np
import pytest
import torch
from tool_runner import CONFIG_DIR, REPO_ROOT, run_tool


def test_publish_a_trained_checkpoint(trained_attn_r18, tmp_path):
    source = trained_attn_r18 / 'epoch_1.pth'
    proc = run_tool([
        sys.executable,
        str(REPO_ROOT / 'tools' / 'model_converters' / 'publish_model.py'),
        str(source),
        str(tmp_path / 'attn_r18.pth')
    ])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    published = list(tmp_path.glob('attn_r18-*.pth'))
    assert len(published) == 1
    path = published[0]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert re.fullmatch(f'attn_r18-{sha[:8]}.pth', path.name)
    assert str(path) in proc.stdout

    # A fresh interpreter without this package: no allow-list at all.
    proc = run_tool([
        sys.executable, '-c', 'import sys, torch; '
        f'c = torch.load({str(path)!r}, weights_only=True); '
        "assert 'mmdet_attn' not in sys.modules; "
        "print(sorted(c), c['meta']['iter'], len(c['state_dict']))"
    ])
    assert proc.returncode == 0, proc.stderr[-3000:]
    original = torch.load(source, map_location='cpu')
    assert proc.stdout.split() == [
        "['meta',", "'state_dict']", '2',
        str(len(original['state_dict']))
    ]

    from mmdet.apis import init_detector
    model = init_detector(
        str(CONFIG_DIR / 'faster_rcnn_attn_r18_custom27.py'),
        str(path),
        device='cpu')
    for name, value in model.state_dict().items():
        torch.testing.assert_close(
            value, original['state_dict'][name], rtol=0, atol=0)
    assert model.dataset_meta['classes'] == original['meta']['dataset_meta'][
        'classes']


def _publish_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'publish_model',
        REPO_ROOT / 'tools' / 'model_converters' / 'publish_model.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_meta_values_become_plain_python():
    to_builtin = _publish_module().to_builtin
    meta = dict(
        seed=np.int64(3),
        scores=np.array([0.5, 1.0]),
        names=('a', 'b'),
        nested=dict(flag=np.bool_(True)))
    plain = to_builtin(meta)
    assert plain == dict(
        seed=3, scores=[0.5, 1.0], names=('a', 'b'), nested=dict(flag=True))
    assert type(plain['seed']) is int
    with pytest.raises(TypeError, match=r'meta\.hook\[0\] holds a object'):
        to_builtin(dict(hook=[object()]))
