"""Extending a run: ``--resume RUN --max-steps N`` (or ``--epochs``) past its plan continues it."""

from __future__ import annotations

import json
import math

import pytest
import torch

from openzoo.engine import api
from openzoo.engine.optim import build_scheduler, replan_scheduler
from openzoo.engine.rundir import read_metrics
from openzoo.engine.settings import resolve_training_settings
from openzoo.errors import BadInputError


def training_lrs(run_path):
    return {r["step"]: r["lr"] for r in read_metrics(run_path / "metrics.jsonl") if "lr" in r}


def test_an_extended_run_trains_to_the_new_total_and_config_json_records_it(train_run, registry):
    run = train_run(max_steps=6, log_every=1)
    extended = api.train(resume=run.path, max_steps=10, quiet=True, registry=registry)
    assert extended.steps == 10
    config = json.loads((run.path / "config.json").read_text())
    (extension,) = config["extensions"]
    assert extension["step"] == 6
    assert extension["from"]["planned_steps"] == 6 and extension["to"]["planned_steps"] == 10
    assert config["training"]["max_steps"] == 10
    assert sorted(training_lrs(run.path)) == list(range(1, 11))
    status = json.loads((run.path / "status.json").read_text())
    assert (status["status"], status["step"], status["planned_steps"]) == ("finished", 10, 10)


def test_the_schedule_is_replanned_over_the_new_total_from_the_current_step(train_run, registry):
    """After the extension the learning rate is that of a run planned for the new total from the start."""
    run = train_run(max_steps=6, log_every=1, warmup_ratio=0.2)
    assert training_lrs(run.path)[6] == pytest.approx(0.0, abs=1e-12)  # the linear decay reached 0
    api.train(resume=run.path, max_steps=10, quiet=True, registry=registry)
    planned_for_ten = train_run("fresh", max_steps=10, log_every=1, warmup_ratio=0.2)
    extended, fresh = training_lrs(run.path), training_lrs(planned_for_ten.path)
    assert [extended[s] for s in range(7, 11)] == pytest.approx([fresh[s] for s in range(7, 11)])
    assert extended[7] > 0


def test_a_run_is_extended_by_epochs_too(train_run, registry):
    run = train_run(epochs=1)
    again = api.train(resume=run.path, epochs=2, quiet=True, registry=registry)
    assert again.steps == 2 * run.steps and again.epochs == 2
    evaluations = [r["step"] for r in read_metrics(run.path / "metrics.jsonl") if "metrics" in r]
    assert evaluations == [run.steps, again.steps]  # one evaluation per epoch, none repeated


@pytest.mark.parametrize("max_steps", [4, 5], ids=["shorter", "one-less"])
def test_a_plan_that_is_not_longer_is_refused_and_changes_nothing(train_run, registry, max_steps):
    run = train_run(max_steps=6)
    before = {p: p.read_bytes() for p in run.path.rglob("*") if p.is_file()}
    with pytest.raises(
        BadInputError, match=rf"--max-steps {max_steps} does not extend the run: .* planned 6"
    ) as refused:
        api.train(resume=run.path, max_steps=max_steps, quiet=True, registry=registry)
    assert str(refused.value).endswith("give a larger value to train further")  # no "continue with --resume" advice
    assert {p: p.read_bytes() for p in run.path.rglob("*") if p.is_file()} == before


def test_other_changed_flags_are_still_refused_when_extending(train_run, registry):
    run = train_run(max_steps=6)
    with pytest.raises(BadInputError, match=r"--lr \(the run has 0.01, given 0.5\)"):
        api.train(resume=run.path, max_steps=10, lr=0.5, quiet=True, registry=registry)


def test_extending_through_the_cli(invoke, train_run):
    run = train_run(max_steps=6)
    result = invoke("train", "--resume", str(run.path), "--max-steps", "8", "-q")
    assert result.exit_code == 0, result.output
    assert json.loads((run.path / "config.json").read_text())["training"]["max_steps"] == 8
    both = invoke("train", "--resume", str(run.path), "--max-steps", "12", "--epochs", "9")
    assert both.exit_code == 2 and "not both" in both.output


def test_replan_scheduler_matches_a_schedule_built_for_the_new_total():
    settings = resolve_training_settings({}, {"lr": 0.1, "warmup_ratio": 0.1, "schedule": "cosine"}, device="cpu")
    parameter = torch.nn.Parameter(torch.zeros(2))
    used = torch.optim.AdamW([parameter], lr=settings.lr)
    old = build_scheduler(used, settings, 20)
    for _ in range(20):
        used.step()
        old.step()
    assert used.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)
    replanned = replan_scheduler(used, settings, 50, 20)
    reference_optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(2))], lr=settings.lr)
    reference = build_scheduler(reference_optimizer, settings, 50)
    for _ in range(20):
        reference_optimizer.step()
        reference.step()
    for _ in range(30):
        assert math.isclose(used.param_groups[0]["lr"], reference_optimizer.param_groups[0]["lr"], rel_tol=1e-9)
        used.step()
        replanned.step()
        reference_optimizer.step()
        reference.step()
