"""Non-finite training never exits 0: bad numbers are refused up front, a diverging run stops with exit code 3."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from openzoo.engine.failures import TrainingDiverged

TRAIN = ("train", "ozmlp.tiny", "-d", "toy-images", "-o", "dataset.size=60", "--quiet")
#: A learning rate AdamW accepts but that drives the tiny MLP's weights past float32 in two steps.
HUGE_LR = 1e30


def checkpoint_weights_are_finite(run_path) -> list[int]:
    """Assert every saved model in the run is finite; return the steps of the checkpoints."""
    steps = []
    for model in run_path.glob("**/model.safetensors"):
        for name, tensor in load_file(str(model)).items():
            assert torch.isfinite(tensor).all(), f"{model}: {name} is not finite"
    for state in run_path.glob("checkpoints/*/state.json"):
        steps.append(json.loads(state.read_text())["step"])
    return sorted(steps)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("dropout=1.5", "option 'dropout' of model 'ozmlp' must be in the range [0, 1); got '1.5'"),
        ("dropout=1", "option 'dropout' of model 'ozmlp' must be in the range [0, 1); got '1'"),
        ("hidden=-3", "option 'hidden' of model 'ozmlp' must be in the range >= 1; got '-3'"),
    ],
    ids=["above", "at-open-bound", "negative-size"],
)
def test_an_option_outside_its_declared_range_is_refused_before_anything_is_written(
    tmp_path, cli_env, cli_process, option, message
):
    done = cli_process.run_openzoo(*TRAIN, "-o", option, "--out", str(tmp_path / "run"), env=cli_env)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()


def test_an_infinite_learning_rate_is_refused_before_anything_is_written(tmp_path, cli_env, cli_process):
    done = cli_process.run_openzoo(*TRAIN, "--lr", "inf", "--out", str(tmp_path / "run"), env=cli_env)
    assert done.returncode == 2
    assert "--lr must be a finite number; got inf" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--lr", "nan"], "--lr must be a finite number; got nan"),
        (["--lr", "1e38"], "--lr must be greater than 0 and below 3.4e+37"),
        (["--warmup-ratio", "nan"], "--warmup-ratio must be a finite number"),
        (["--weight-decay", "inf"], "--weight-decay must be a finite number"),
        (["--weight-decay", "-1"], "--weight-decay must be 0 or more"),
        (["--max-grad-norm", "nan"], "--max-grad-norm must be a finite number"),
        (["--max-grad-norm", "-inf"], "--max-grad-norm must be a finite number"),
        (["-o", "dropout=nan"], "option 'dropout' of model 'ozmlp' must be a finite number; got 'nan'"),
        (["-o", "dropout=-inf"], "option 'dropout' of model 'ozmlp' must be a finite number"),
        (["--seed", str(2**70)], f"--seed must be an int from 0 to {2**63 - 1} (2**63 - 1); got {2**70}"),
        (["--seed", "-1"], "--seed must be an int from 0 to"),
        (["-o", f"hidden={2**70}"], "option 'hidden' of model 'ozmlp' must fit in a 64-bit integer"),
        (["-o", f"dataset.size={2**64}"], "option 'size' of dataset 'toy-images' must fit in a 64-bit integer"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_non_finite_and_out_of_range_numbers_are_refused(invoke, tmp_path, flags, message):
    result = invoke(*TRAIN, *flags, "--out", str(tmp_path / "run"))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_a_diverging_run_exits_3_keeps_its_last_good_checkpoint_and_resumes_from_it(tmp_path, cli_env, cli_process):
    out = tmp_path / "run"
    flags = ("--lr", str(HUGE_LR), "--max-steps", "20", "--eval-every", "1", "--log-every", "1")
    done = cli_process.run_openzoo(*TRAIN, *flags, "--out", str(out), env=cli_env)
    assert done.returncode == 3, done.stderr
    assert "training diverged at step 2: the training loss is nan (last finite loss" in done.stderr
    assert "lower --lr" in done.stderr and "--precision" in done.stderr and "data" in done.stderr
    assert f"The last good checkpoint (step 1) is kept in {out / 'checkpoints'}" in done.stderr
    assert f"openzoo train --resume {out}" in done.stderr and "Traceback" not in done.stderr
    assert set(checkpoint_weights_are_finite(out)) == {1}  # last and best both hold step 1
    assert not (out / "model").exists()
    kept = (out / "checkpoints/last/model/model.safetensors").read_bytes()
    again = cli_process.run_openzoo("train", "--resume", str(out), env=cli_env)
    assert again.returncode == 3 and "training diverged at step 2" in again.stderr  # same data, same lr, same step
    assert "last finite loss" in again.stderr and "at step 1)" in again.stderr  # read back from metrics.jsonl
    assert (out / "checkpoints/last/model/model.safetensors").read_bytes() == kept


def test_weights_that_became_non_finite_between_log_lines_are_never_checkpointed(train_run, tmp_path):
    with pytest.raises(TrainingDiverged, match=r"at step 2: parameter '.*' holds NaN or infinite values") as caught:
        train_run(lr=HUGE_LR, max_steps=20, eval_every=1, log_every=100)
    assert "The last good checkpoint (step 1) is kept" in str(caught.value)
    assert set(checkpoint_weights_are_finite(tmp_path / "run")) == {1}


def test_a_run_diverging_before_its_first_checkpoint_leaves_nothing_behind(train_run, tmp_path):
    with pytest.raises(TrainingDiverged, match="was removed; the same --out can be used again") as caught:
        train_run(lr=HUGE_LR, max_steps=20, log_every=1)
    assert caught.value.step == 2 and caught.value.last_finite is not None and caught.value.last_finite[0] == 1
    assert not (tmp_path / "run").exists()
    assert train_run(epochs=1).steps > 0  # the same --out works again
