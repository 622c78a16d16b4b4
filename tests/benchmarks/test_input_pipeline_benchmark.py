"""The input-pipeline benchmark trains each task with workers 0 and auto in fresh processes and reports the wait.

Speeds and the wait itself are not asserted (they belong to the benchmark's output on a quiet machine);
this checks that the script runs end to end, offline, and that what it reports comes from the runs.
"""

from __future__ import annotations

import math

import pytest

from openzoo.engine.settings import auto_workers

pytestmark = pytest.mark.slow


def test_quick_run_reports_both_sides(run_benchmark) -> None:
    # one task: the script's machinery is the same for all three (each side is two fresh training processes)
    stdout, data = run_benchmark("input_pipeline.py", "--tiny", "--quick", "--task", "gpt", "--threads", "1")
    assert set(data["tasks"]) == {"gpt"}
    for name, entry in data["tasks"].items():
        rows = entry["rows"]
        assert set(rows) == {"workers 0", "workers auto"}, name
        assert rows["workers 0"]["workers"] == 0
        # what auto chose, as config.json recorded it: the machine's number (one CPU stays with the loop)
        assert rows["workers auto"]["workers"] == auto_workers()
        for side, row in rows.items():
            (run,) = row["runs"]
            assert run["steps"] == entry["task"]["steps"] == 6, (name, side)
            assert row["steps_per_s"] > 0 and math.isfinite(row["steps_per_s"]), (name, side)
            assert 0 <= row["data_wait_fraction"] <= 1, (name, side)
            assert run["data_wait_s"] <= run["train_s"], (name, side)
        assert isinstance(entry["meets"], bool)
        assert entry["meets"] == (rows["workers auto"]["data_wait_fraction"] <= data["target_wait"])
        assert f"{name}: 6 steps of" in stdout
