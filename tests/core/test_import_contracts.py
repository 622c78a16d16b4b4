"""The import-linter contracts in pyproject.toml hold: layers, and no torch behind listing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _lint_imports() -> str | None:
    beside_python = Path(sys.executable).with_name("lint-imports")
    return str(beside_python) if beside_python.exists() else shutil.which("lint-imports")


def test_import_contracts_are_kept():
    executable = _lint_imports()
    if executable is None:
        pytest.skip("lint-imports is not installed (pip install import-linter, part of the dev extra)")
    done = subprocess.run(
        [executable, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
