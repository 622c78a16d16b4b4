"""``--workers auto``, persistent DataLoader workers, and the time the loop waits for batches."""

from __future__ import annotations

import json
import os
import signal

import pytest
import torch
from safetensors.torch import load_file

from openzoo.engine import api
from openzoo.engine import settings as settings_module
from openzoo.engine.batching import PIPE_BYTES, BatchPlan, make_loader
from openzoo.engine.interrupt import TrainingInterrupted
from openzoo.engine.settings import auto_workers, resolve_workers
from openzoo.errors import BadInputError


def weights(run_path):
    return load_file(str(run_path / "model" / "model.safetensors"))


def interrupt_at_forward(monkeypatch, call: int) -> None:
    """Make the fixture MLP's ``call``-th forward (in the training process) press Ctrl-C."""
    from ozengine.model import MLPModule

    original = MLPModule.forward
    calls = {"n": 0}

    def forward(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == call:
            signal.raise_signal(signal.SIGINT)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MLPModule, "forward", forward)


@pytest.fixture
def cpus(monkeypatch):
    """Return ``set_cpus(n)``, making the process's CPU affinity look like ``n`` CPUs."""

    def set_cpus(count: int) -> None:
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(count)), raising=False)

    return set_cpus


@pytest.mark.parametrize(
    ("count", "processes", "expected"),
    [(1, 1, 0), (2, 1, 1), (3, 1, 2), (16, 1, 4), (64, 1, 4), (8, 2, 3), (4, 4, 0)],
    ids=lambda v: str(v),
)
def test_auto_workers_leave_one_cpu_to_each_training_process_and_start_at_most_four(cpus, count, processes, expected):
    cpus(count)
    assert auto_workers(processes) == expected


def test_auto_workers_fall_back_to_the_cpu_count_without_an_affinity_mask(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert settings_module.usable_cpus() == 6 and auto_workers() == 4


@pytest.mark.parametrize("value", [-1, "many", 1.5, True, None])
def test_workers_other_than_auto_or_a_count_are_bad_input(value):
    with pytest.raises(BadInputError, match="--workers must be 'auto' or an int of 0 or more"):
        resolve_workers(value)


@pytest.mark.parametrize(("count", "limit"), [(1, 8), (2, 8), (3, 12), (64, 256)], ids=lambda v: str(v))
def test_workers_beyond_four_per_cpu_are_refused_naming_the_limit_and_auto(cpus, count, limit):
    cpus(count)
    assert resolve_workers(limit) == resolve_workers(str(limit)) == limit
    with pytest.raises(BadInputError, match=rf"at most {limit}, or --workers auto \({auto_workers()} here\)"):
        resolve_workers(limit + 1)


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_cli_workers_by_the_billion_exit_2_before_starting_any_process(invoke, tmp_path, cpus, command):
    cpus(2)
    out = tmp_path / "run"
    extra = ("--out", str(out)) if command == "train" else ()
    result = invoke(command, "ozmlp.tiny", "-d", "toy-images", "--workers", "99999999999", *extra)
    assert result.exit_code == 2, result.output
    assert "--workers 99999999999 would start 99999999999 loader processes" in result.output
    assert "give at most 8, or --workers auto (1 here)" in result.output
    assert not out.exists()


def test_training_with_workers_auto_records_the_number_it_chose(train_run, cpus):
    cpus(3)
    run = train_run(workers="auto", epochs=1)
    config = json.loads((run.path / "config.json").read_text())
    assert config["training"]["workers"] == 2
    assert config["workers_auto"] == {"chose": 2, "usable_cpus": 3}
    assert config["sources"]["workers"] == "argument"


def test_a_resume_with_workers_auto_records_its_choice_with_the_resume(
    train_run, registry, cpus, monkeypatch, tmp_path
):
    with monkeypatch.context() as patch:
        interrupt_at_forward(patch, call=3)
        with pytest.raises(TrainingInterrupted):
            train_run("parts", epochs=2)
    cpus(1)
    api.train(resume=tmp_path / "parts", workers="auto", quiet=True, registry=registry)
    config = json.loads((tmp_path / "parts" / "config.json").read_text())
    assert config["resumes"][-1]["workers_auto"] == {"chose": 0, "usable_cpus": 1}
    assert config["training"]["workers"] == 0


@pytest.mark.parametrize("settings", [{"epochs": 3}, {"epochs": 2, "eval_every": 3}], ids=["epochs", "eval-every"])
def test_a_run_with_persistent_workers_resumed_mid_epoch_ends_with_the_weights_of_an_uninterrupted_run(
    train_run, registry, monkeypatch, tmp_path, settings
):
    uninterrupted = train_run("whole", **settings, log_every=1)
    with monkeypatch.context() as patch:
        interrupt_at_forward(patch, call=11)  # in the second epoch: the workers have served one epoch already
        with pytest.raises(TrainingInterrupted):
            train_run("parts", workers=2, **settings, log_every=1)
    resumed = api.train(resume=tmp_path / "parts", quiet=True, registry=registry)
    assert resumed.steps == uninterrupted.steps
    whole, parts = weights(uninterrupted.path), weights(tmp_path / "parts")
    assert whole.keys() == parts.keys()
    for key in whole:
        assert torch.equal(whole[key], parts[key]), key


def test_training_reports_the_time_and_fraction_of_training_it_waited_for_batches(train_run):
    run = train_run(epochs=1)
    assert 0.0 < run.timings["data_wait_s"] < run.timings["train_s"]
    assert run.timings["data_wait_fraction"] == pytest.approx(
        run.timings["data_wait_s"] / run.timings["train_s"], abs=1e-4
    )


def test_a_persistent_loader_serves_each_pass_the_batches_its_plan_holds_then():
    examples = list(range(10))
    plan = BatchPlan([[0, 1], [2, 3]])
    loader = make_loader(examples, plan, lambda batch: {"x": torch.tensor(batch)}, workers=1, persistent=True)
    first = [b["x"].tolist() for b in loader]
    plan.batches = [[9], [4, 5, 6]]
    second = [b["x"].tolist() for b in loader]
    assert (first, second) == ([[0, 1], [2, 3]], [[9], [4, 5, 6]])
    assert loader.persistent_workers


def _collate_of_every_kind(examples):
    """A batch holding what collates return: small tensors of several dtypes, a bf16 one, one above the pipe limit."""
    values = torch.tensor([float(e) for e in examples])
    return {
        "floats": values,
        "ids": values.long().view(-1, 1).expand(-1, 3),  # a non-contiguous view
        "mask": values > 1,
        "halves": values.half(),
        "brain": values.to(torch.bfloat16),  # numpy has no bfloat16: stays a tensor in shared memory
        "large": values.repeat(PIPE_BYTES // 4 // len(examples) + 1),  # above the limit: shared memory
        "nested": [values * 2, (values.int(), "text")],
        "meta": {"names": [f"example {e}" for e in examples], "count": len(examples)},
    }


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_batches_from_workers_hold_the_same_tensors_as_batches_collated_in_process():
    examples = list(range(10))
    plan = [[0, 3, 5], [9, 1], [2, 4, 6, 8, 7]]
    in_process = list(make_loader(examples, plan, _collate_of_every_kind, workers=0))
    from_workers = list(make_loader(examples, plan, _collate_of_every_kind, workers=2))
    assert len(from_workers) == len(in_process) == 3
    for ours, theirs in zip(from_workers, in_process, strict=True):
        assert _same(ours, theirs)
        assert ours["large"].numel() * 4 > PIPE_BYTES  # the shared-memory path ran too
        ours["floats"] += 1  # tensors from the pipe are writable, like any batch's
        assert isinstance(ours["floats"], torch.Tensor)


def test_small_tensors_of_numpy_dtypes_travel_through_the_pipe_and_the_others_in_shared_memory():
    from openzoo.engine.batching import _pipe, _Piped, _unpipe

    batch = _collate_of_every_kind([1, 2, 3])
    piped = _pipe(batch)
    kinds = {key: type(value).__name__ for key, value in piped.items() if key not in ("nested", "meta")}
    assert kinds == {
        "floats": "_Piped",
        "ids": "_Piped",
        "mask": "_Piped",
        "halves": "_Piped",
        "brain": "Tensor",
        "large": "Tensor",
    }
    assert isinstance(piped["nested"][0], _Piped) and isinstance(piped["nested"][1][0], _Piped)
    assert _same(_unpipe(piped), batch)


def test_cli_train_accepts_workers_auto(invoke, tmp_path):
    out = tmp_path / "run"
    result = invoke("train", "ozmlp.tiny", "-d", "toy-images", "-o", "dataset.size=40", "--epochs", "1",
                    "--workers", "auto", "--out", str(out), "--quiet")  # fmt: skip
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text())
    assert config["training"]["workers"] == config["workers_auto"]["chose"]


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_cli_workers_that_are_not_a_count_or_auto_exit_2_naming_the_choices(invoke, command):
    result = invoke(command, "ozmlp.tiny", "-d", "toy-images", "--workers", "lots")
    assert result.exit_code == 2
    assert "'lots' is not 'auto' or a number of worker processes" in result.output


def test_evaluate_with_workers_auto_gives_the_metrics_of_evaluating_in_process(train_run, registry):
    run = train_run(epochs=1)
    in_process = api.evaluate(run, split="test", registry=registry)
    assert api.evaluate(run, split="test", workers="auto", registry=registry) == in_process
    assert api.evaluate(run, split="test", workers=2, registry=registry) == in_process
