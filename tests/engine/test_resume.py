"""Ctrl-C and ``--resume``: an interrupted and resumed run ends with exactly the weights of an uninterrupted one."""

from __future__ import annotations

import json
import shutil
import signal

import pytest
import torch
from safetensors.torch import load_file

from openzoo.engine import api
from openzoo.engine.interrupt import TrainingInterrupted
from openzoo.engine.rundir import read_metrics
from openzoo.errors import BadInputError


def weights(run_path):
    return load_file(str(run_path / "model" / "model.safetensors"))


def interrupt_at_forward(monkeypatch, call: int, how: str) -> None:
    """Make the fixture MLP's ``call``-th forward press Ctrl-C (a real SIGINT) or raise KeyboardInterrupt."""
    from ozengine.model import MLPModule

    original = MLPModule.forward
    calls = {"n": 0}

    def forward(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == call:
            if how == "signal":
                signal.raise_signal(signal.SIGINT)
            else:
                raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MLPModule, "forward", forward)


SETTINGS = {
    "plain": {"epochs": 3},
    "grad-accum": {"epochs": 2, "grad_accum": 2, "batch_size": 4},
    "eval-every": {"epochs": 2, "eval_every": 3},
    "max-steps-warmup": {"max_steps": 12, "warmup_ratio": 0.25},
}


@pytest.mark.parametrize("how", ["signal", "keyboard-interrupt"])
@pytest.mark.parametrize("name", list(SETTINGS))
def test_interrupted_and_resumed_run_ends_with_the_same_weights_as_an_uninterrupted_run(
    train_run, registry, monkeypatch, name, how
):
    settings = {**SETTINGS[name], "log_every": 1}
    uninterrupted = train_run("whole", **settings)
    with monkeypatch.context() as patch:
        interrupt_at_forward(patch, call=8, how=how)
        with pytest.raises(TrainingInterrupted) as caught:
            train_run("parts", **settings)
    parts = uninterrupted.path.parent / "parts"
    assert caught.value.run_dir == str(parts) and f"openzoo train --resume {parts}" in str(caught.value)
    assert not (parts / "model").exists()
    resumed = api.train(resume=parts, quiet=True, registry=registry)
    assert resumed.steps == uninterrupted.steps
    whole_weights, resumed_weights = weights(uninterrupted.path), weights(parts)
    for key in whole_weights:
        assert torch.equal(whole_weights[key], resumed_weights[key]), key
    strip = lambda records: [{k: v for k, v in r.items() if k != "examples_per_s"} for r in records]  # noqa: E731
    assert strip(read_metrics(parts / "metrics.jsonl")) == strip(read_metrics(uninterrupted.path / "metrics.jsonl"))


def test_interrupt_saves_a_checkpoint_at_the_position_in_the_epoch(train_run, monkeypatch, tmp_path):
    with monkeypatch.context() as patch:
        interrupt_at_forward(patch, call=3, how="signal")
        with pytest.raises(TrainingInterrupted) as caught:
            train_run(epochs=2)
    state = json.loads((tmp_path / "run/checkpoints/last/state.json").read_text())
    assert (state["step"], state["epoch"], state["position"]) == (3, 0, 3) == (caught.value.step, 0, 3)
    assert not (tmp_path / "run/checkpoints/best").exists()


def test_resume_records_itself_in_config_json(train_run, registry, monkeypatch, tmp_path):
    with monkeypatch.context() as patch:
        interrupt_at_forward(patch, call=4, how="signal")
        with pytest.raises(TrainingInterrupted):
            train_run(epochs=1)
    api.train(resume=tmp_path / "run", quiet=True, registry=registry, command=["openzoo", "train", "--resume", "x"])
    config = json.loads((tmp_path / "run/config.json").read_text())
    assert [(r["step"], r["command"]) for r in config["resumes"]] == [(4, ["openzoo", "train", "--resume", "x"])]


def test_resuming_a_finished_run_changes_nothing(train_run, registry):
    run = train_run(epochs=1)
    before = weights(run.path)
    again = api.train(resume=run.path, quiet=True, registry=registry)
    assert again.steps == run.steps
    after = weights(run.path)
    assert all(torch.equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"lr": 0.5}, r"--lr \(the run has 0.01, given 0.5\)"),
        ({"model": "ozecho"}, r"MODEL \(the run has 'ozmlp'"),
        ({"dataset": "ozblobs"}, r"--dataset \(the run has 'toy-images'"),
        ({"options": {"hidden": 3}}, "-o"),
        ({"out": "elsewhere"}, "--out"),
        ({"seed": 9, "batch_size": 2}, r"--batch-size .*; --seed|--seed .*; --batch-size"),
    ],
    ids=["lr", "model", "dataset", "options", "out", "two-flags"],
)
def test_resume_with_conflicting_flags_is_refused_and_changes_nothing(train_run, registry, flags, message):
    run = train_run(epochs=1)
    before = {p: p.read_bytes() for p in run.path.rglob("*") if p.is_file()}
    with pytest.raises(BadInputError, match=message):
        api.train(resume=run.path, quiet=True, registry=registry, **flags)
    assert {p: p.read_bytes() for p in run.path.rglob("*") if p.is_file()} == before


def test_resume_accepts_flags_that_repeat_the_stored_settings(train_run, registry):
    run = train_run(epochs=1)
    again = api.train("ozmlp.tiny", "toy-images", resume=run.path, lr=0.01, epochs=1, quiet=True, registry=registry)
    assert again.steps == run.steps


def test_resume_without_a_checkpoint_says_there_is_nothing_to_resume(train_run, registry):
    run = train_run(epochs=1)
    shutil.rmtree(run.path / "checkpoints")
    with pytest.raises(BadInputError, match="no complete checkpoint"):
        api.train(resume=run.path, quiet=True, registry=registry)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")
def test_resume_of_a_corrupt_trainer_state_is_bad_input(train_run, registry):
    run = train_run(epochs=1)
    (run.path / "checkpoints/last/trainer_state.pt").write_bytes(b"\x80\x04not a checkpoint")
    with pytest.raises(BadInputError, match="corrupt"):
        api.train(resume=run.path, quiet=True, registry=registry)


class Payload:
    """Something a malicious trainer_state.pt could try to make us unpickle."""

    def __reduce__(self):
        return (print, ("unpickled!",))


def test_trainer_state_with_arbitrary_pickled_objects_is_refused(train_run, registry, capsys):
    run = train_run(epochs=1)
    torch.save({"version": 1, "evil": Payload()}, run.path / "checkpoints/last/trainer_state.pt")
    with pytest.raises(BadInputError, match="corrupt or not a trainer state"):
        api.train(resume=run.path, quiet=True, registry=registry)
    assert "unpickled!" not in capsys.readouterr().out


def test_resume_of_a_missing_directory_is_bad_input(registry, tmp_path):
    with pytest.raises(BadInputError, match="does not exist"):
        api.train(resume=tmp_path / "nope", registry=registry)


def test_every_checkpoint_finds_the_log_written_up_to_its_step(train_run, monkeypatch, tmp_path):
    import openzoo.engine.loop as loop
    import openzoo.engine.rundir as rundir

    # A clock that never moves: the log flushes only when the trainer asks, before each checkpoint.
    monkeypatch.setattr(rundir, "time", type("FrozenClock", (), {"monotonic": staticmethod(lambda: 0.0)}))
    seen = []
    write = loop.write_checkpoint

    def spying_write(path, **kwargs):
        logged = read_metrics(tmp_path / "run" / "metrics.jsonl")
        seen.append((kwargs["summary"]["step"], [(r["step"], "split" in r) for r in logged]))
        return write(path, **kwargs)

    monkeypatch.setattr(loop, "write_checkpoint", spying_write)
    run = train_run(epochs=2, batch_size=8, log_every=2)
    assert [step for step, _ in seen] == [run.steps // 2, run.steps]
    for step, logged in seen:
        assert (step, True) in logged  # the evaluation that chose this checkpoint
        assert [s for s, is_eval in logged if not is_eval] == list(range(2, step + 1, 2))
