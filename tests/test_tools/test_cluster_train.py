"""MMEngine's ``compile`` option passes the tools' key check. (The flagship
with GroupNorm everywhere in its backbone trains in
``test_train_configs.py``.)"""
from tool_runner import CONFIG_DIR

from mmdet_attn.utils import load_run_config

FLAGSHIP = CONFIG_DIR / 'faster_rcnn_attn_r18_custom27.py'


def test_compile_is_one_cfg_option_away(tmp_path):
    """MMEngine's Runner reads ``compile`` from the config: the key check
    of ``--cfg-options`` lets it through. (The 2-iteration train with
    ``compile.backend=eager`` passes but takes minutes on 2 cores, so it is
    not part of the suite: docs/gpu_clusters.md.)"""
    cfg = load_run_config(
        str(FLAGSHIP), {'compile.backend': 'eager'}, str(tmp_path))
    assert cfg.compile == dict(backend='eager')
    assert load_run_config(str(FLAGSHIP), {'compile': True}).compile is True
