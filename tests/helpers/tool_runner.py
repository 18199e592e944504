"""Running the tools from tests: paths, environment, data overrides."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Dict, List, Optional

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO_ROOT / 'configs'
BASELINE_CUSTOM27 = CONFIG_DIR / 'faster_rcnn_r18_custom27.py'
#: The flagship with GroupNorm in place of BatchNorm everywhere in its
#: backbone (the cluster set-up of docs/gpu_clusters.md), trained beside
#: the configs of ``configs/``.
GROUP_NORM_FLAGSHIP = 'faster_rcnn_attn_r18_gn_custom27'
#: The flagship trained through MMEngine's ``compile`` option (TorchDynamo
#: with the ``eager`` backend: inductor's code generation for the whole
#: detector takes far too long on a CPU, docs/gpu_clusters.md).
COMPILED_FLAGSHIP = 'faster_rcnn_attn_r18_compiled_custom27'


def data_options(data_root: Path) -> List[str]:
    """--cfg-options that point a custom27 config at ``data_root`` (one key:
    every split and the evaluator follow) and load data in the main process
    (fast start-up for tiny runs)."""
    options = [f'data_root={data_root}/']
    for split in ('train', 'val', 'test'):
        options += [
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False',
        ]
    return options


def tool_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment for a tool: this interpreter first on PATH, and one
    CPU thread unless the environment or ``extra`` sets another count.

    The tools' test runs are tiny, and on a machine with more runnable
    processes than cores, as CI machines are, OpenMP's waiting threads spin
    on the cores the other processes need (docs/testing.md).
    """
    env = dict(os.environ)
    env['PATH'] = f'{Path(sys.executable).parent}:{env["PATH"]}'
    env['PYTHON'] = sys.executable
    env.setdefault('OMP_NUM_THREADS', '1')
    env.update(extra or {})
    return env


def start_tool(args: List[str],
               env: Optional[Dict[str, str]] = None) -> subprocess.Popen:
    """Start a command from the repository root; output goes to stdout."""
    return subprocess.Popen(
        args,
        cwd=REPO_ROOT,
        env=tool_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True)


def run_tool(args: List[str],
             env: Optional[Dict[str, str]] = None,
             timeout: float = 900) -> subprocess.CompletedProcess:
    """Run a command from the repository root, capturing its output."""
    return subprocess.run(
        args,
        cwd=REPO_ROOT,
        env=tool_env(env),
        capture_output=True,
        text=True,
        timeout=timeout)


def run_python_tool(script: str, *args: str, **kwargs):
    return run_tool([sys.executable,
                     str(REPO_ROOT / 'tools' / script), *args], **kwargs)


def load_tool(script: str) -> ModuleType:
    """``tools/<script>`` as a module, to call its functions (or its
    ``main``) in this process: no interpreter start-up, for tests that do
    not need a separate process."""
    path = REPO_ROOT / 'tools' / script
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train_in_one_process(runs: List[List[str]], runs_file: Path) -> None:
    """Run ``tools/train.py`` with each argument list (each with its own
    ``--work-dir``), all in one interpreter (``train_many.py``); a run that
    fails leaves its traceback for :func:`assert_trained`."""
    runs_file.write_text(json.dumps(runs))
    proc = run_tool([
        sys.executable,
        str(REPO_ROOT / 'tests' / 'helpers' / 'train_many.py'),
        str(runs_file)
    ],
                    timeout=1800)
    # Exit code 1: some run failed (its test reads why).
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-5000:]


def assert_trained(work_dir: Path) -> None:
    """Fail with its traceback if the run of :func:`train_in_one_process`
    in ``work_dir`` failed."""
    from train_many import ERROR_FILE
    error = work_dir / ERROR_FILE
    assert not error.exists(), error.read_text()[-5000:]
