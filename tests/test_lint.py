"""ruff and mypy are part of the test command (STYLE.md)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("tool, args", [
    ("ruff", ["check", "functions", "tests", "bench", "main.py"]),
    ("mypy", []),
])
def test_lint(tool, args):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} absent (pip install -e '.[test]')")
    command = [sys.executable, "-m", tool, *args]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
