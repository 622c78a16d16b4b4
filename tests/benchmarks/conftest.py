"""Running a benchmark script the way its smoke tests do: offline, in a fresh process, with a JSON report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


@pytest.fixture
def run_benchmark(tmp_path: Path) -> Callable[..., tuple[str, dict[str, Any]]]:
    """Return ``run(script, *args)``: run ``benchmarks/SCRIPT ARGS --json FILE`` offline; give (stdout, report).

    The run must exit 0 (its stderr is the failure message).
    """

    def run(script: str, *args: str) -> tuple[str, dict[str, Any]]:
        report = tmp_path / f"{Path(script).stem}.json"
        result = subprocess.run(
            [sys.executable, str(BENCHMARKS / script), *args, "--json", str(report)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env={**os.environ, **OFFLINE},
        )
        assert result.returncode == 0, result.stderr
        return result.stdout, json.loads(report.read_text(encoding="utf-8"))

    return run
