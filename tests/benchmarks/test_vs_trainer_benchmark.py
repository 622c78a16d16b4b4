"""The engine-versus-Trainer benchmark runs all four sides in fresh processes and writes its report.

Speeds are never asserted (they belong to the benchmark's own output on a quiet machine); this checks
that the script still works end to end, offline, so the figures quoted for it come from a benchmark
that runs. Tiny presets and generated sentences keep it to seconds of training.
"""

from __future__ import annotations

import math

import pytest

SIDES = {"openzoo", "Trainer", "plain", "plain again"}

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("task", ["vit", "bert"])
def test_quick_run_reports_every_side_with_finite_figures(task: str, run_benchmark) -> None:
    pytest.importorskip("accelerate", reason="transformers' Trainer needs accelerate (the dev extra installs it)")
    stdout, data = run_benchmark("vs_trainer.py", "--quick", "--tiny", "--task", task, "--threads", "1")
    assert "openzoo/Trainer throughput" in stdout
    assert set(data["tasks"]) == {task}
    for name, entry in data["tasks"].items():
        rows = entry["rows"]
        assert set(rows) == SIDES, name
        assert rows["plain"]["step_time_vs_plain"] == 1.0
        for side, row in rows.items():
            figures = [row["steps_per_s"], row["step_time_vs_plain"], row["test_accuracy"], row["peak_rss_mib"]]
            assert all(math.isfinite(value) and value >= 0 for value in figures), (name, side, row)
            assert row["steps_per_s"] > 0 and row["peak_rss_mib"] > 0, (name, side)
            (run,) = row["runs"]
            # every side evaluated at the same steps: the same schedule on all three
            assert [step for step, _, _ in run["evals"]] == [2, 4], (name, side)
        assert math.isfinite(rows["openzoo"]["throughput_vs_trainer"])
        # the hand loop run twice is the same computation: the same weights, so the same accuracy
        assert rows["plain again"]["test_accuracy"] == rows["plain"]["test_accuracy"]
        assert set(entry["meets"]) == {"throughput_vs_trainer", "step_time_vs_plain", "accuracy"}
        assert all(isinstance(value, bool) for value in entry["meets"].values())
