"""Running the research scripts from their tests, as ``tool_runner`` runs
the product's tools: from the repository root, one CPU thread."""
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tool_runner import REPO_ROOT, run_tool

RESEARCH = REPO_ROOT / 'research'


def run_script(script: str, *args: str,
               **kwargs) -> subprocess.CompletedProcess:
    """``python research/<script> ARGS`` as a command."""
    return run_tool([sys.executable, str(RESEARCH / script), *args], **kwargs)


def load_script(script: str) -> ModuleType:
    """``research/<script>`` as a module, to call its functions (or its
    ``main``) in this process."""
    path = RESEARCH / script
    spec = importlib.util.spec_from_file_location(Path(script).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
