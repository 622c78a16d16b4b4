"""The predict-versus-pipeline benchmark loads one run's weights both ways and writes its report.

Speeds are never asserted; this checks that the script runs end to end offline -- training a run,
predicting through ``openzoo.predict``, transformers' ``pipeline`` and both command lines -- and that
the two sides give the same answers for the same weights (what makes the comparison fair).
"""

from __future__ import annotations

import math

import pytest

ROWS = {"openzoo.predict", "pipeline", "pipeline again", "openzoo predict (CLI)", "pipeline script"}

pytestmark = pytest.mark.slow


def test_quick_run_reports_every_row_and_both_sides_agree(run_benchmark) -> None:
    stdout, data = run_benchmark("predict_vs_pipeline.py", "--quick", "--tiny", "--items", "16", "--threads", "1")
    assert "openzoo.predict" in stdout
    assert data["items"] == 16
    assert set(data["tasks"]) == {"vit", "bert"}
    for name, entry in data["tasks"].items():
        rows = entry["rows"]
        assert set(rows) == ROWS, name
        assert rows["pipeline"]["vs_pipeline"] == 1.0
        for side, row in rows.items():
            assert math.isfinite(row["items_per_s"]) and row["items_per_s"] > 0, (name, side)
            assert math.isfinite(row["vs_pipeline"]) and row["vs_pipeline"] > 0, (name, side)
        # the same weights and inputs: the same best label for every input, in process and through the CLI
        assert entry["agree"] == 1.0, name
        assert entry["cli_agree"] == 1.0, name
        assert all(isinstance(value, bool) for value in entry["meets"].values())
