"""``import mmdet_attn`` registers models and datasets only: the
visualisation (Grad-CAM, plotting) is imported by its tool, not by every
training process."""
import json
import subprocess
import sys

# MMDetection itself loads matplotlib (mmdet.utils imports seaborn), so
# the check is that mmdet_attn adds no matplotlib module of its own.
SCRIPT = '''
import json, sys
import mmdet.datasets, mmdet.evaluation, mmdet.models, mmdet.utils
before = {m for m in sys.modules if m.split('.')[0] == 'matplotlib'}
import mmdet_attn
after = {m for m in sys.modules if m.split('.')[0] == 'matplotlib'}
ours = sorted(m for m in sys.modules if m.startswith('mmdet_attn.'))
print(json.dumps(dict(added=sorted(after - before), ours=ours)))
'''


def test_import_registers_without_visualisation():
    result = subprocess.run([sys.executable, '-c', SCRIPT],
                            capture_output=True,
                            text=True,
                            check=True)
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded['added'] == [], 'matplotlib modules imported by mmdet_attn'
    assert 'mmdet_attn.models.layers' in loaded['ours']
    assert 'mmdet_attn.datasets' in loaded['ours']
    assert not [m for m in loaded['ours'] if 'visualization' in m]
