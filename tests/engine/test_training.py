"""Training: the run directory it writes, what it learns, and how settings shape the loop."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from openzoo.engine import api
from openzoo.engine.rundir import read_metrics


def weights(directory):
    return load_file(str(directory / "model.safetensors"))


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_training_writes_config_metrics_checkpoints_and_the_selected_model(train_run):
    run = train_run(epochs=2)
    names = sorted(p.relative_to(run.path).as_posix() for p in run.path.rglob("*"))
    assert names == [
        "checkpoints",
        "checkpoints/best",
        "checkpoints/best/model",
        "checkpoints/best/model/config.json",
        "checkpoints/best/model/model.safetensors",
        "checkpoints/best/state.json",
        "checkpoints/best/trainer_state.pt",
        "checkpoints/last",
        "checkpoints/last/model",
        "checkpoints/last/model/config.json",
        "checkpoints/last/model/model.safetensors",
        "checkpoints/last/state.json",
        "checkpoints/last/trainer_state.pt",
        "config.json",
        "metrics.jsonl",
        "model",
        "model/config.json",
        "model/model.safetensors",
        "status.json",
    ]
    assert_same_weights(weights(run.path / "model"), weights(run.path / "checkpoints/best/model"))


def test_config_json_records_names_origins_settings_and_versions(train_run):
    run = train_run(epochs=1, seed=7, lr=0.02, options={"dataset.size": 60, "hidden": 5})
    config = json.loads((run.path / "config.json").read_text())
    assert config["model"]["name"] == "ozmlp" and config["model"]["preset"] == "tiny"
    assert config["model"]["dist"] == "ozengine" and config["model"]["version"] == "0.1.0"
    assert config["model"]["options"] == {"hidden": 5}
    assert config["model"]["config"] == {"activation": "relu", "hidden": 5, "dropout": 0.1}
    assert config["dataset"] == {
        "name": "toy-images",
        "dist": "openzoo",
        "version": config["versions"]["openzoo"],
        "plugin": "builtin",
        "options": {"size": 60},
        "train_split": "train",
        "eval_split": "validation",
    }
    assert [m["key"] for m in config["metrics"]] == ["accuracy", "f1_macro"]
    assert config["training"]["seed"] == 7 and config["training"]["lr"] == 0.02
    assert config["training"]["batch_size"] == 8  # from the preset's training defaults
    assert config["device"]["name"] == "cpu" and config["training"]["precision"] == "fp32"
    assert {"python", "torch", "numpy", "openzoo", "ozengine"} <= set(config["versions"])
    assert config["world_size"] == 1 and isinstance(config["command"], list)


class TickingClock:
    """A clock that advances half a second per reading: throughput figures without wall-clock luck."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 0.5
        return self.now

    def process_time(self) -> float:
        return self.now


def test_metrics_jsonl_has_a_record_per_log_step_and_per_evaluation(train_run, monkeypatch):
    import openzoo.engine.loop as loop

    monkeypatch.setattr(loop, "time", TickingClock())
    run = train_run(epochs=2, log_every=2)
    records = read_metrics(run.path / "metrics.jsonl")
    training = [r for r in records if "loss" in r]
    evaluations = [r for r in records if "split" in r]
    assert [r["step"] for r in training] == [2, 4, 6, 8, 10]
    assert all(set(r) == {"step", "epoch", "loss", "lr", "examples_per_s"} for r in training)
    assert all(math.isfinite(r["loss"]) and r["examples_per_s"] > 0 for r in training)
    assert [(r["step"], r["epoch"], r["split"]) for r in evaluations] == [
        (5, 1.0, "validation"),
        (10, 2.0, "validation"),
    ]
    assert set(evaluations[-1]["metrics"]) == {"accuracy", "f1_macro"}
    assert evaluations[-1]["metrics"] == run.metrics


def test_the_model_learns_the_toy_images(train_run, registry):
    run = train_run(epochs=10, lr=0.03, options={"dataset.size": 120})
    assert run.best["value"] > 0.6  # 4 classes: chance is 0.25
    assert api.evaluate(run, split="test", registry=registry)["accuracy"] > 0.5


@pytest.mark.parametrize(
    ("metric", "pick"), [("accuracy", max), ("ozerror", min)], ids=["higher-is-better", "lower-is-better"]
)
def test_best_checkpoint_follows_the_selection_metric_direction(train_run, metric, pick):
    run = train_run(epochs=4, lr=0.03, metrics=["accuracy", "ozerror"], select_metric=metric)
    evaluations = [r for r in read_metrics(run.path / "metrics.jsonl") if "split" in r]
    values = [r["metrics"][metric] for r in evaluations]
    best_value = pick(values)
    best_step = next(r["step"] for r in evaluations if r["metrics"][metric] == best_value)
    assert run.best == {"metric": metric, "value": best_value, "step": best_step}
    state = json.loads((run.path / "checkpoints/best/state.json").read_text())
    assert state["step"] == best_step


def test_max_steps_stops_after_exactly_that_many_steps_across_epochs(train_run):
    run = train_run(max_steps=7)  # 5 steps per epoch
    assert run.steps == 7
    state = json.loads((run.path / "checkpoints/last/state.json").read_text())
    assert (state["step"], state["epoch"], state["position"]) == (7, 1, 2)
    evaluations = [r["step"] for r in read_metrics(run.path / "metrics.jsonl") if "split" in r]
    assert evaluations == [5, 7]


def test_the_epoch_count_includes_an_epoch_a_step_budget_ends_on(train_run):
    run = train_run(max_steps=10)  # 5 steps per epoch: the budget ends on the second epoch's last batch
    last_evaluation = [r for r in read_metrics(run.path / "metrics.jsonl") if "split" in r][-1]
    assert (last_evaluation["step"], last_evaluation["epoch"]) == (10, 2)
    assert (run.steps, run.epochs) == (10, 2)
    assert train_run("partial", max_steps=7).epochs == 1


def test_eval_every_evaluates_every_n_steps_and_at_the_end(train_run):
    run = train_run(epochs=2, eval_every=3)
    evaluations = [r["step"] for r in read_metrics(run.path / "metrics.jsonl") if "split" in r]
    assert evaluations == [3, 6, 9, 10]
    assert run.steps == 10


def test_gradient_accumulation_matches_one_batch_of_the_combined_size(train_run):
    no_dropout = {"dataset.size": 60, "dropout": 0.0}
    whole = train_run("whole", epochs=1, batch_size=8, options=no_dropout)
    halves = train_run("halves", epochs=1, batch_size=4, grad_accum=2, options=no_dropout)
    assert whole.steps == halves.steps == 5
    a, b = weights(whole.path / "model"), weights(halves.path / "model")
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=1e-6, rtol=1e-5)


def test_the_same_seed_gives_the_same_weights_and_another_seed_does_not(train_run):
    first = weights(train_run("a", epochs=1, seed=3).path / "model")
    again = weights(train_run("b", epochs=1, seed=3).path / "model")
    other = weights(train_run("c", epochs=1, seed=4).path / "model")
    assert_same_weights(first, again)
    assert not all(torch.equal(first[k], other[k]) for k in first)


def test_learning_rate_warms_up_then_decays_to_zero(train_run):
    run = train_run(epochs=2, log_every=1, warmup_ratio=0.3, lr=0.01)
    lrs = [r["lr"] for r in read_metrics(run.path / "metrics.jsonl") if "lr" in r]
    peak = lrs.index(max(lrs))
    assert max(lrs) == pytest.approx(0.01)
    assert peak == 2  # ceil(0.3 * 10) = 3 warmup steps: the lr after step 3 is the peak
    assert lrs[:peak] == sorted(lrs[:peak]) and lrs[peak:] == sorted(lrs[peak:], reverse=True)
    assert lrs[-1] == pytest.approx(0.0)


def test_a_dataset_without_an_evaluation_split_exports_the_last_checkpoint(train_run):
    run = train_run(dataset="ozblobs", options={"holdout": False}, epochs=2)
    assert run.best is None and run.metrics == {}
    assert not (run.path / "checkpoints/best").exists()
    assert_same_weights(weights(run.path / "model"), weights(run.path / "checkpoints/last/model"))


def test_bf16_autocast_trains_on_the_cpu(train_run):
    run = train_run(epochs=1, precision="bf16")
    assert run.steps == 5
    assert all(torch.isfinite(t).all() for t in weights(run.path / "model").values())


def test_from_pretrained_starts_from_the_given_weights(train_run, registry):
    first = train_run("first", epochs=1)
    second = train_run("second", max_steps=1, lr=1e-9, from_pretrained=str(first.path / "model"))
    config = json.loads((second.path / "config.json").read_text())
    assert config["model"]["from_pretrained"] == str(first.path / "model") and config["model"]["preset"] is None
    a, b = weights(first.path / "model"), weights(second.path / "model")
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=1e-6, rtol=0)


def test_default_run_directory_is_under_runs_named_after_model_and_dataset(registry, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = api.train(
        "ozmlp.tiny", "toy-images", options={"dataset.size": 60}, max_steps=1, quiet=True, registry=registry
    )
    assert run.path.parent == Path("runs")
    assert run.path.name.startswith("ozmlp-toy-images-")
    assert (tmp_path / run.path / "model" / "model.safetensors").is_file()
