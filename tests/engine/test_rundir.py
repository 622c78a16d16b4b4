"""Atomic writes: a crash while writing leaves the previous file or checkpoint complete and no usable junk."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from openzoo.engine import rundir
from openzoo.engine.checkpoint import load_trainer_state, write_checkpoint
from openzoo.engine.rundir import (
    MetricsLog,
    RunDir,
    atomic_directory,
    atomic_write_json,
    clean_checkpoints,
    read_metrics,
)
from openzoo.errors import BadInputError


class Crash(Exception):
    """Stands for the process dying in the middle of a write."""


def test_crash_while_writing_a_file_keeps_the_previous_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "config.json"
    atomic_write_json(target, {"version": 1})

    def crash(fd):
        raise Crash

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(Crash):
        atomic_write_json(target, {"version": 2})
    assert json.loads(target.read_text()) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]


def _save_weights(value: str):
    def save(directory: Path) -> None:
        (directory / "model.safetensors").write_text(value)

    return save


def _checkpoint(directory: Path, value: str, step: int) -> None:
    write_checkpoint(directory, save_model=_save_weights(value), trainer_state={"step": step}, summary={"step": step})


def test_crash_while_writing_a_checkpoint_keeps_the_previous_checkpoint(tmp_path):
    last = tmp_path / "checkpoints" / "last"
    _checkpoint(last, "old weights", step=1)

    def crashing_save(directory: Path) -> None:
        (directory / "model.safetensors").write_text("half of the new weig")
        raise Crash

    with pytest.raises(Crash):
        write_checkpoint(last, save_model=crashing_save, trainer_state={"step": 2}, summary={"step": 2})
    assert (last / "model" / "model.safetensors").read_text() == "old weights"
    state, summary = load_trainer_state(last)
    assert state["step"] == 1 and summary["step"] == 1
    assert sorted(p.name for p in last.parent.iterdir()) == ["last"]


def test_crash_between_the_two_renames_of_a_checkpoint_swap_is_recovered(tmp_path, monkeypatch):
    monkeypatch.setattr(rundir, "exchange_directories", lambda first, second: False)  # a system without exchange
    run = RunDir(tmp_path)
    _checkpoint(run.checkpoint_path("last"), "old weights", step=1)
    real_rename = os.rename
    calls = []

    def rename_then_die(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # the old checkpoint was moved aside; die before the new one moves in
            raise Crash
        real_rename(src, dst)

    monkeypatch.setattr(rundir.os, "rename", rename_then_die)
    with pytest.raises(Crash):
        _checkpoint(run.checkpoint_path("last"), "new weights", step=2)
    monkeypatch.setattr(rundir.os, "rename", real_rename)
    recovered = run.complete_checkpoint("last")
    assert recovered is not None and recovered.name.startswith(".last.old-")
    assert (recovered / "model" / "model.safetensors").read_text() == "old weights"
    assert not any(".tmp-" in p.name for p in run.checkpoints.iterdir())


def test_crash_right_after_an_exchange_leaves_the_new_checkpoint_in_place(tmp_path, monkeypatch):
    from openzoo.engine.swap import exchange_directories

    (tmp_path / "probe-a").mkdir()
    (tmp_path / "probe-b").mkdir()
    if not exchange_directories(tmp_path / "probe-a", tmp_path / "probe-b"):
        pytest.skip("this system cannot exchange two directories in one step")
    run = RunDir(tmp_path / "run")
    _checkpoint(run.checkpoint_path("last"), "old weights", step=1)

    def exchange_then_die(first, second):
        assert exchange_directories(first, second)
        raise Crash  # the names are swapped; the old copy has not been moved aside yet

    monkeypatch.setattr(rundir, "exchange_directories", exchange_then_die)
    with pytest.raises(Crash):
        _checkpoint(run.checkpoint_path("last"), "new weights", step=2)
    recovered = run.complete_checkpoint("last")
    assert recovered == run.checkpoint_path("last")
    assert (recovered / "model" / "model.safetensors").read_text() == "new weights"
    assert sorted(p.name for p in run.checkpoints.iterdir()) == ["last"]


def test_a_checkpoint_without_state_json_is_never_used(tmp_path):
    run = RunDir(tmp_path)
    incomplete = run.checkpoint_path("last")
    (incomplete / "model").mkdir(parents=True)
    (incomplete / "trainer_state.pt").write_bytes(b"")
    assert run.complete_checkpoint("last") is None


def test_cleaning_removes_temporaries_and_old_copies_of_complete_checkpoints(tmp_path):
    run = RunDir(tmp_path)
    _checkpoint(run.checkpoint_path("last"), "weights", step=3)
    (run.checkpoints / ".last.tmp-abc").mkdir()
    (run.checkpoints / ".last.old-123").mkdir()
    clean_checkpoints(run.checkpoints)
    assert sorted(p.name for p in run.checkpoints.iterdir()) == ["last"]


def test_atomic_directory_replaces_the_target_only_when_complete(tmp_path):
    target = tmp_path / "model"
    with atomic_directory(target) as tmp:
        (tmp / "a.txt").write_text("1")
    with pytest.raises(Crash), atomic_directory(target) as tmp:
        (tmp / "a.txt").write_text("2")
        raise Crash
    assert (target / "a.txt").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_metrics_log_readers_skip_a_torn_last_line_and_resume_truncates(tmp_path):
    log = MetricsLog(tmp_path / "metrics.jsonl")
    for step in (10, 20, 30):
        log.append({"step": step, "loss": 1.0 / step})
    log.close()
    with open(log.path, "a", encoding="utf-8") as handle:
        handle.write('{"step": 40, "lo')
    assert [r["step"] for r in read_metrics(log.path)] == [10, 20, 30]
    log.truncate_after(20)
    assert [r["step"] for r in read_metrics(log.path)] == [10, 20]
    assert log.path.read_text().endswith("\n")


def test_metrics_log_flushes_when_due_when_asked_and_on_close(tmp_path):
    log = MetricsLog(tmp_path / "metrics.jsonl", flush_seconds=3600.0)
    log.append({"step": 1, "loss": 1.0})  # the first record is always due
    log.append({"step": 2, "loss": 0.5})  # within the hour: still buffered
    assert [r["step"] for r in read_metrics(log.path)] == [1]
    log.append({"step": 3, "split": "validation", "metrics": {"accuracy": 0.5}})
    log.flush()  # what the trainer does before each checkpoint, right after an evaluation
    assert [r["step"] for r in read_metrics(log.path)] == [1, 2, 3]
    log.append({"step": 4, "loss": 0.25})
    log.flush()
    assert [r["step"] for r in read_metrics(log.path)] == [1, 2, 3, 4]
    log.append({"step": 5, "loss": 0.125})
    log.close()
    assert [r["step"] for r in read_metrics(log.path)] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("uptime", [0.0, 5.0, 1e9], ids=["just-booted", "booted-5s-ago", "up-for-years"])
def test_the_first_metrics_record_is_due_whatever_the_monotonic_clock_origin(tmp_path, monkeypatch, uptime):
    import openzoo.engine.rundir as rundir

    # time.monotonic() counts from an arbitrary origin: on Linux, the machine's boot.
    monkeypatch.setattr(rundir, "time", type("Clock", (), {"monotonic": staticmethod(lambda: uptime)}))
    log = MetricsLog(tmp_path / "metrics.jsonl", flush_seconds=3600.0)
    log.append({"step": 1, "loss": 1.0})
    log.append({"step": 2, "loss": 0.5})  # the clock has not moved: buffered
    assert [r["step"] for r in read_metrics(log.path)] == [1]
    log.close()


def test_non_finite_metric_values_are_written_as_null(tmp_path):
    log = MetricsLog(tmp_path / "metrics.jsonl")
    log.append({"step": 1, "metrics": {"perplexity": float("inf")}})
    log.close()
    assert json.loads(log.path.read_text()) == {"step": 1, "metrics": {"perplexity": None}}


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.mkdir(), "has no config.json"),
        (lambda p: (p.mkdir(), (p / "config.json").write_text("{not json")), "not valid JSON"),
        (lambda p: (p.mkdir(), (p / "config.json").write_text("[]")), "lacks the model and dataset"),
        (lambda p: p.write_text("x"), "is not a directory"),
    ],
    ids=["missing", "no-config", "corrupt-json", "wrong-shape", "a-file"],
)
def test_bad_run_directories_are_reported_clearly(tmp_path, setup, message):
    path = tmp_path / "run"
    setup(path)
    with pytest.raises(BadInputError, match=message):
        RunDir(path).read_config()


def test_a_run_without_any_saved_model_says_how_to_continue(tmp_path):
    (tmp_path / "config.json").write_text('{"model": {}, "dataset": {}}')
    with pytest.raises(BadInputError, match="--resume"):
        RunDir(tmp_path).model_source()


def test_corrupt_trainer_state_is_bad_input_not_a_crash(tmp_path):
    _checkpoint(tmp_path / "last", "w", step=1)
    (tmp_path / "last" / "trainer_state.pt").write_bytes(b"garbage")
    with pytest.raises(BadInputError, match="corrupt"):
        load_trainer_state(tmp_path / "last")
