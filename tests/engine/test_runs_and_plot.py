"""``openzoo runs`` (the table of runs, their status) and ``openzoo plot`` (their curves, from their files)."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys

import pytest

from openzoo.engine import api
from openzoo.engine.rundir import read_metrics
from openzoo.tracking.plot import plot_runs
from openzoo.tracking.runs import find_runs
from openzoo.tracking.status import LOCK_FILE, run_status


@pytest.fixture
def two_runs(train_run, registry, tmp_path):
    first = train_run("runs/a", max_steps=6, log_every=2, eval_every=3)
    second = train_run("runs/b", max_steps=4, log_every=1, eval_every=2, lr=0.05)
    return tmp_path / "runs", first, second


def test_runs_lists_each_run_with_steps_best_and_status(two_runs, invoke):
    root, _, second = two_runs
    result = invoke("runs", str(root), "--json")
    assert result.exit_code == 0, result.output
    rows = {os.path.basename(r["path"]): r for r in json.loads(result.stdout)}
    assert set(rows) == {"a", "b"}
    assert rows["a"]["model"] == "ozmlp.tiny" and rows["a"]["dataset"] == "toy-images"
    assert (rows["a"]["steps"], rows["a"]["planned_steps"], rows["a"]["status"]) == (6, 6, "finished")
    assert rows["b"]["best"] == first_best(second.path)
    table = invoke("runs", str(root))
    assert table.exit_code == 0
    header, *lines = table.stdout.splitlines()
    assert header.split()[:6] == ["RUN", "MODEL", "DATASET", "STEPS", "BEST", "STATUS"]
    assert any("6/6" in line and "finished" in line for line in lines)


def first_best(run_path):
    """The best selection metric of a run, recomputed from its metrics.jsonl."""
    evaluations = [r for r in read_metrics(run_path / "metrics.jsonl") if "metrics" in r]
    best = max(evaluations, key=lambda r: (r["metrics"]["accuracy"], -r["step"]))
    return {"metric": "accuracy", "value": best["metrics"]["accuracy"], "step": best["step"]}


def test_runs_show_gives_one_run_with_its_extension(two_runs, invoke, registry):
    _, first, _ = two_runs
    api.train(resume=first.path, max_steps=8, quiet=True, registry=registry)
    result = invoke("runs", "show", str(first.path), "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["steps"], shown["planned_steps"], shown["resumes"]) == (8, 8, 1)
    assert shown["extensions"][0]["to"]["max_steps"] == 8
    assert "last_metrics" in shown and shown["duration_s"] >= 0  # no wall-clock assumption: a fast run may take 0.0 s


def test_a_run_whose_lock_is_held_is_running(train_run):
    run = train_run(max_steps=2)
    with open(run.path / LOCK_FILE, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        assert run_status(run.path) == "running"
    assert run_status(run.path) == "finished"


def test_a_run_left_running_by_a_dead_process_is_interrupted(train_run):
    run = train_run(max_steps=2)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    status = json.loads((run.path / "status.json").read_text())
    status.update(status="running", pid=dead.pid, host=socket.gethostname())
    (run.path / "status.json").write_text(json.dumps(status))
    assert run_status(run.path) == "interrupted"
    status["pid"] = os.getpid()  # a live writer on this machine
    (run.path / "status.json").write_text(json.dumps(status))
    assert run_status(run.path) == "running"


def test_runs_of_a_missing_directory_exits_2(invoke, tmp_path):
    result = invoke("runs", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "is not a directory of runs" in result.output


def test_plot_draws_the_runs_data_overlaid(two_runs, tmp_path):
    _, first, second = two_runs
    result = plot_runs([first.path, second.path], out=tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    evaluated = {name for r in read_metrics(first.path / "metrics.jsonl") if "metrics" in r for name in r["metrics"]}
    assert list(result.series) == ["loss", *sorted(evaluated)]
    for path in (first.path, second.path):
        records = read_metrics(path / "metrics.jsonl")
        expected_loss = [(r["step"], r["loss"]) for r in records if "loss" in r]
        assert result.series["loss"][os.fspath(path)] == expected_loss
    loss_axes = result.figure.axes[0]
    drawn = [line.get_xydata().tolist() for line in loss_axes.get_lines()]
    assert drawn == [[list(p) for p in result.series["loss"][os.fspath(p)]] for p in (first.path, second.path)]
    assert [t.get_text() for t in loss_axes.get_legend().get_texts()] == ["a", "b"]


def test_plot_cli_writes_the_image_and_prints_the_plotted_data(two_runs, invoke, tmp_path):
    _, first, _ = two_runs
    out = tmp_path / "acc.svg"
    result = invoke("plot", str(first.path), "--metric", "accuracy", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    assert out.read_text().lstrip().startswith("<?xml")
    series = json.loads(result.stdout)
    evaluations = [r for r in read_metrics(first.path / "metrics.jsonl") if "metrics" in r]
    assert series == {"accuracy": {str(first.path): [[r["step"], r["metrics"]["accuracy"]] for r in evaluations]}}


def test_plot_of_an_unknown_metric_exits_2_with_the_available_ones(two_runs, invoke, tmp_path):
    _, first, _ = two_runs
    result = invoke("plot", str(first.path), "--metric", "acuracy", "--out", str(tmp_path / "x.png"))
    assert result.exit_code == 2
    assert "Did you mean 'accuracy'" in result.output
    assert not (tmp_path / "x.png").exists()


def test_find_runs_skips_directories_that_are_not_runs(two_runs):
    root, _, _ = two_runs
    (root / "notes").mkdir()
    assert [os.path.basename(s.path) for s in find_runs(root)] == ["a", "b"]


def test_plot_into_a_path_under_a_file_exits_2_and_leaves_the_file(two_runs, invoke, tmp_path):
    _, first, _ = two_runs
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine")
    result = invoke("plot", str(first.path), "--out", str(blocker / "curves.png"))
    assert result.exit_code == 2, result.output
    assert f"a path component is a file, not a directory (File exists: {blocker})" in result.output
    assert "bug" not in result.output and blocker.read_text() == "mine"
