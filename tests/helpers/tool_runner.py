"""Running the tools from tests: paths, environment, data overrides."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Dict, List, Optional

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO_ROOT / 'configs'
BASELINE_CUSTOM27 = CONFIG_DIR / 'faster_rcnn_r18_custom27.py'


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
    """The environment for a tool: this interpreter first on PATH."""
    env = dict(os.environ)
    env['PATH'] = f'{Path(sys.executable).parent}:{env["PATH"]}'
    env['PYTHON'] = sys.executable
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
    return run_tool([sys.executable, str(REPO_ROOT / 'tools' / script), *args],
                    **kwargs)


def import_tool(script: str) -> ModuleType:
    """A tool script (path under ``tools/``) imported as a module, to test
    its functions without a subprocess."""
    path = REPO_ROOT / 'tools' / script
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
