"""``--logger``: csv, tensorboard and mlflow get the records metrics.jsonl gets, read back with their own readers."""

from __future__ import annotations

import csv
import json
import math
import sys
import types
from typing import ClassVar

import pytest

from openzoo import LoggerSpec, hookimpl
from openzoo.engine import api
from openzoo.engine.rundir import read_metrics
from openzoo.engine.session import plan_loggers
from openzoo.errors import BadInputError
from openzoo.plugins import PluginSource, load_registry
from openzoo.tracking.csv_logger import CsvLogger, read_csv_metrics

from .conftest import fixture_source

FAST = {"dataset": "toy-images", "options": {"dataset.size": 60}, "quiet": True}


def training_records(run_path):
    return [r for r in read_metrics(run_path / "metrics.jsonl") if "loss" in r]


def evaluation_records(run_path):
    return [r for r in read_metrics(run_path / "metrics.jsonl") if "metrics" in r]


@pytest.fixture
def logged_run(train_run, monkeypatch, tmp_path):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "unset at teardown")  # the logger sets it: undo afterwards
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE")
    monkeypatch.chdir(tmp_path)
    return train_run(max_steps=6, log_every=2, eval_every=3, loggers=["csv", "tensorboard", "mlflow"])


def test_csv_rows_hold_the_scalars_of_metrics_jsonl(logged_run):
    with open(logged_run.path / "csv" / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    training = [(int(r["step"]), float(r["train/loss"]), float(r["train/lr"])) for r in rows if r["train/loss"]]
    assert training == [(r["step"], r["loss"], r["lr"]) for r in training_records(logged_run.path)]
    evaluated = [(int(r["step"]), float(r["validation/accuracy"])) for r in rows if r["validation/accuracy"]]
    assert evaluated == [(r["step"], r["metrics"]["accuracy"]) for r in evaluation_records(logged_run.path)]
    hparams = json.loads((logged_run.path / "csv" / "hparams.json").read_text())
    assert hparams["model.name"] == "ozmlp" and hparams["training.max_steps"] == 6


def test_tensorboard_events_hold_the_scalars_and_hyperparameters(logged_run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(logged_run.path / "tensorboard"))
    events.Reload()
    loss = [(e.step, e.value) for e in events.Scalars("train/loss")]
    expected = [(r["step"], r["loss"]) for r in training_records(logged_run.path)]
    assert [s for s, _ in loss] == [s for s, _ in expected]
    assert all(math.isclose(a, b, rel_tol=1e-6) for (_, a), (_, b) in zip(loss, expected))
    accuracy = [(e.step, e.value) for e in events.Scalars("validation/accuracy")]
    assert [s for s, _ in accuracy] == [r["step"] for r in evaluation_records(logged_run.path)]
    assert "_hparams_/session_start_info" in events.PluginTagToContent("hparams")


def test_mlflow_run_holds_params_metrics_and_the_finished_status(logged_run):
    from mlflow.tracking import MlflowClient

    remembered = json.loads((logged_run.path / "mlflow.json").read_text())
    assert remembered["tracking_uri"] == (logged_run.path / "mlruns").resolve().as_uri()
    client = MlflowClient(tracking_uri=remembered["tracking_uri"])
    run = client.get_run(remembered["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.params["training.lr"] == "0.01" and run.data.params["model.name"] == "ozmlp"
    history = sorted((m.step, m.value) for m in client.get_metric_history(run.info.run_id, "train/loss"))
    assert history == [(r["step"], r["loss"]) for r in training_records(logged_run.path)]


def test_config_json_records_the_loggers(logged_run):
    config = json.loads((logged_run.path / "config.json").read_text())
    assert config["loggers"] == ["csv", "tensorboard", "mlflow"]


def test_unknown_logger_is_refused_before_anything_is_written(invoke, tmp_path):
    out = tmp_path / "run"
    result = invoke("train", "ozmlp.tiny", "-d", "toy-images", "--logger", "tensorbord", "--out", str(out))
    assert result.exit_code == 2
    assert "Did you mean 'tensorboard'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_logger_whose_library_is_missing_names_what_to_install():
    spec = LoggerSpec(
        "aimish", "A tracker.", "aimish_tracker:Logger", requires="openzoo-aim", imports=("no_such_mod_zz",)
    )
    registry = types.SimpleNamespace(logger=lambda name: spec)
    with pytest.raises(BadInputError, match=r"--logger aimish needs no_such_mod_zz.*pip install 'openzoo-aim'"):
        plan_loggers(registry, ["aimish"])


class MemoryLogger:
    """A plugin's logger: keeps what it receives (one instance list per test)."""

    made: ClassVar[list[MemoryLogger]] = []

    def __init__(self, *, run_dir, config, resumed_at):
        self.run_dir, self.config, self.resumed_at = run_dir, config, resumed_at
        self.records: list[dict] = []
        self.closed_with: str | None = None
        MemoryLogger.made.append(self)

    def log(self, record):
        self.records.append(dict(record))

    def close(self, status):
        self.closed_with = status


@pytest.fixture
def plugin_registry(fixture_path, monkeypatch):
    """Core, the engine fixture plugin, and an in-memory plugin adding the ``memory`` logger through the hook."""
    implementation = types.ModuleType("ozmemory_logger")
    implementation.MemoryLogger = MemoryLogger
    plugin = types.ModuleType("ozmemory")

    @hookimpl
    def openzoo_loggers():
        return [LoggerSpec("memory", "Keeps records in memory, for tests.", "ozmemory_logger:MemoryLogger")]

    plugin.openzoo_loggers = openzoo_loggers
    monkeypatch.setitem(sys.modules, "ozmemory_logger", implementation)
    MemoryLogger.made = []
    source = PluginSource(name="ozmemory", dist="ozmemory", version="0.1.0", load=lambda: plugin, value="ozmemory")
    return load_registry(sources=[fixture_source(), source], strict=True)


def test_a_plugin_logger_receives_every_record_and_the_outcome(plugin_registry, tmp_path):
    arguments = {"max_steps": 4, "log_every": 1, "eval_every": 2, "loggers": ["memory"], **FAST}
    run = api.train("ozmlp.tiny", out=tmp_path / "run", registry=plugin_registry, **arguments)
    (logger,) = MemoryLogger.made
    assert logger.records == read_metrics(run.path / "metrics.jsonl")
    assert logger.closed_with == "finished"
    assert logger.config["model"]["name"] == "ozmlp" and logger.resumed_at is None
    assert plugin_registry.logger("memory").origin.dist == "ozmemory"


def test_a_failing_logger_fails_the_run_and_the_status_says_so(plugin_registry, tmp_path, monkeypatch):
    def log(self, record):
        if record["step"] >= 3:  # after the step-2 checkpoint: a run that fails before its first one is removed
            raise RuntimeError("tracker down")

    monkeypatch.setattr(MemoryLogger, "log", log)
    with pytest.raises(RuntimeError, match="tracker down"):
        arguments = {"max_steps": 4, "log_every": 1, "eval_every": 2, "loggers": ["memory"], **FAST}
        api.train("ozmlp.tiny", out=tmp_path / "run", registry=plugin_registry, **arguments)
    status = json.loads((tmp_path / "run" / "status.json").read_text())
    assert status["status"] == "failed"
    assert MemoryLogger.made[0].closed_with == "failed"


def test_the_csv_logger_of_a_resumed_run_drops_rows_past_the_checkpoint(tmp_path):
    config = {"model": {"name": "m"}, "training": {}}
    first = CsvLogger(run_dir=tmp_path, config=config, resumed_at=None)
    for step in (2, 4, 6):
        first.log({"step": step, "epoch": 0.5, "loss": 1.0 / step, "lr": 0.1, "examples_per_s": 9.0})
    first.log({"step": 4, "epoch": 1.0, "split": "validation", "metrics": {"accuracy": 0.5}})
    first.close("interrupted")
    CsvLogger(run_dir=tmp_path, config=config, resumed_at=4).close("finished")
    rows = read_csv_metrics(tmp_path / "csv" / "metrics.csv")
    assert [(r["step"], r["validation/accuracy"]) for r in rows] == [("2", ""), ("4", ""), ("4", "0.5")]
