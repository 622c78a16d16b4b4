"""The engine-overhead benchmark runs, compares loops of equal length, and writes its report.

Timings are never asserted here (they belong to the benchmark's own output); this checks that the
script works, so the figure quoted for the engine comes from a benchmark that still runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "engine_overhead.py"


def test_benchmark_crosses_an_epoch_boundary_and_reports_ratios(tmp_path: Path) -> None:
    report = tmp_path / "overhead.json"
    # 130 steps of 64 cross the 128-batch epoch: both loops must take exactly 130 steps (the script exits
    # non-zero otherwise), which is what once went wrong when the hand loop stopped at the epoch's end.
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--steps", "130", "--repeats", "1", "--processes", "2", "--json", str(report)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "engine/plain CPU time" in result.stdout
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["steps"] == 130
    rows = data["ratios"]
    assert set(rows) == {
        "train: engine step loop",
        "train: hand-written loop",
        "train: hand-written loop again",
        "predict: openzoo.predict",
        "predict: model.predict",
        "predict: module forward only",
    }
    assert rows["train: hand-written loop"] == {"wall": 1.0, "cpu": 1.0}
    assert all(value > 0 for row in rows.values() for value in row.values())
    assert isinstance(data["meets_target"], bool)
