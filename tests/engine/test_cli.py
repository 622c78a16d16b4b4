"""``openzoo train``, ``evaluate`` and ``predict`` on the command line (click's CliRunner)."""

from __future__ import annotations

import json
import re
import signal

import numpy as np
import pytest
import torch
from PIL import Image

TRAIN = ("train", "ozmlp.tiny", "-d", "toy-images", "-o", "dataset.size=60", "--quiet")


@pytest.fixture
def run_dir(invoke, tmp_path):
    result = invoke(*TRAIN, "--epochs", "1", "--out", str(tmp_path / "run"))
    assert result.exit_code == 0, result.output
    return tmp_path / "run"


def test_train_prints_a_summary_table_on_stdout(invoke, tmp_path):
    result = invoke(*TRAIN, "--max-steps", "3", "--lr", "0.02", "--out", str(tmp_path / "run"))
    assert result.exit_code == 0, result.output
    rows = dict(line.split(None, 1) for line in result.stdout.strip().splitlines())
    assert rows["run"] == str(tmp_path / "run") and rows["steps"] == "3"
    assert {"best", "accuracy", "f1_macro", "time"} <= set(rows)
    assert re.fullmatch(
        r"train [\d.]+s \(\d+% of it waiting for data\), eval [\d.]+s, checkpoint [\d.]+s", rows["time"]
    )
    assert result.stderr == ""  # --quiet
    config = json.loads((tmp_path / "run/config.json").read_text())
    assert config["training"]["lr"] == 0.02 and config["command"][0] == "openzoo"


def test_train_messages_go_to_stderr_unless_quiet(invoke, tmp_path):
    result = invoke(*TRAIN[:-1], "--max-steps", "2", "--out", str(tmp_path / "run"))
    assert result.exit_code == 0, result.output
    assert "step 2 (epoch 0.4) validation: accuracy=" in result.stderr
    assert "openzoo predict" in result.stderr and "validation" not in result.stdout


def test_evaluate_prints_a_table_or_json(invoke, run_dir):
    table = invoke("evaluate", str(run_dir), "--metric", "accuracy", "--metric", "ozerror")
    assert table.exit_code == 0, table.output
    lines = table.stdout.strip().splitlines()
    assert lines[0].split() == ["metric", "value"] and [line.split()[0] for line in lines[2:]] == [
        "accuracy",
        "ozerror",
    ]
    as_json = invoke("evaluate", str(run_dir), "--split", "validation", "--json")
    assert as_json.exit_code == 0, as_json.output
    assert set(json.loads(as_json.stdout)) == {"accuracy", "f1_macro"}


def test_predict_on_an_image_file_renders_a_label_table_or_json(invoke, run_dir, tmp_path):
    path = tmp_path / "image.png"
    Image.fromarray(np.full((8, 8), 200, dtype=np.uint8)).save(path)
    as_json = invoke("predict", str(run_dir), str(path), "-o", "top_k=2", "--json")
    assert as_json.exit_code == 0, as_json.output
    [record] = json.loads(as_json.stdout)
    assert record["label"] in {"horizontal", "vertical", "diagonal", "cross"} and len(record["top_k"]) == 2
    table = invoke("predict", str(run_dir), str(path))
    assert table.exit_code == 0, table.output
    rows = [line.split() for line in table.stdout.splitlines()[2:] if line.strip()]
    assert rows[0][:3] == [str(path), "1", record["label"]]
    assert [row[0] for row in rows[1:]] == [str(rank) for rank in range(2, len(rows) + 1)]  # the other top-k labels


def test_predict_streams_text_of_a_generation_model(invoke, tmp_path):
    trained = invoke("train", "ozecho", "-d", "toy-text", "--max-steps", "1", "--quiet", "--out", str(tmp_path / "e"))
    assert trained.exit_code == 0, trained.output
    result = invoke("predict", str(tmp_path / "e"), "abc", "xy", "-o", "max_new_tokens=2")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["abccb", "xyyx"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("train", "ozmpl", "-d", "toy-images"), "Did you mean 'ozmlp'"),
        (("train", "ozmlp", "-d", "toy-images", "-o", "hiden=3"), "Did you mean 'hidden'"),
        (("train", "ozmlp", "-d", "toy-images", "-o", "hidden"), "-o expects key=value"),
        (("train", "ozmlp", "-d", "toy-images", "--precision", "fp16"), "not supported on device 'cpu'"),
        (("train", "ozmlp", "-d", "toy-images", "--metric", "ndcg"), "does not apply to task"),
        (("evaluate", "no/such/run"), "run directory no/such/run does not exist"),
        (("predict", "no/such/run", "x"), "does not exist"),
        (("train", "--resume", "no/such/run"), "does not exist"),
    ],
    ids=[
        "unknown-model",
        "unknown-option",
        "option-syntax",
        "precision",
        "metric-task",
        "evaluate-missing",
        "predict-missing",
        "resume-missing",
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(invoke, args, message):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_device_exits_2(invoke, tmp_path):
    result = invoke(*TRAIN, "--device", "cuda", "--out", str(tmp_path / "run"))
    assert result.exit_code == 2 and "device 'cuda' is not available" in result.stderr
    assert not (tmp_path / "run").exists()


def test_ctrl_c_saves_a_checkpoint_exits_130_and_resume_finishes(invoke, tmp_path, monkeypatch):
    from ozengine.model import MLPModule

    original = MLPModule.forward
    calls = {"n": 0}

    def forward(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            signal.raise_signal(signal.SIGINT)
        return original(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(MLPModule, "forward", forward)
        result = invoke(*TRAIN, "--epochs", "1", "--out", str(tmp_path / "run"))
    assert result.exit_code == 130, result.output
    assert f"Resume with: openzoo train --resume {tmp_path / 'run'}" in result.stderr
    resumed = invoke("train", "--resume", str(tmp_path / "run"), "--quiet")
    assert resumed.exit_code == 0, resumed.output
    rows = dict(line.split(None, 1) for line in resumed.stdout.strip().splitlines())
    assert rows["steps"] == "5" and rows["epochs"] == "1"


def test_resume_with_a_conflicting_flag_exits_2(invoke, run_dir):
    result = invoke("train", "--resume", str(run_dir), "--lr", "0.5")
    assert result.exit_code == 2 and "--lr (the run has 0.01, given 0.5)" in result.stderr


@pytest.mark.parametrize("command", ["train", "evaluate", "predict"])
def test_help_of_each_command_does_not_import_torch(run_openzoo, command):
    result = run_openzoo([command, "--help"])
    assert result.returncode == 0, result.stderr
    assert "Usage: openzoo " + command in result.stdout and result.imported == []
