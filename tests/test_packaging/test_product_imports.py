"""``import mmdet_attn`` imports its models, datasets and evaluation (and
the checkpoint allow-list), not the tools' helpers, nor the synthetic
data generator (``tools/misc/generate_custom27.py`` imports it), and
imports nothing of ``research/``, even where ``research/`` is on the path:
research imports the product, never the reverse."""
import json
import subprocess
import sys

from tool_runner import REPO_ROOT

RESEARCH = REPO_ROOT / 'research'
SCRIPT = f'''
import json, sys
sys.path.insert(0, {str(RESEARCH)!r})
import mmdet_attn
modules = list(sys.modules.values())
files = [getattr(m, '__file__', None) or '' for m in modules]
print(json.dumps(dict(
    modules=sorted(m for m in sys.modules if m.startswith('mmdet_attn')),
    research=sorted(f for f in files if f.startswith({str(RESEARCH)!r})))))
'''


def test_import_leaves_out_the_generator_and_research():
    result = subprocess.run([sys.executable, '-c', SCRIPT],
                            capture_output=True,
                            text=True,
                            check=True)
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert 'mmdet_attn.datasets.custom27_classes' in loaded['modules']
    assert 'mmdet_attn.datasets.synthetic_custom27' not in loaded['modules']
    # Models, datasets, evaluation, and the checkpoint allow-list only.
    packages = {m.split('.')[1] for m in loaded['modules'] if '.' in m}
    assert packages == {'models', 'datasets', 'evaluation', 'utils'}
    assert [m for m in loaded['modules'] if m.startswith('mmdet_attn.utils.')
            ] == ['mmdet_attn.utils.checkpoint']
    assert loaded['research'] == []
