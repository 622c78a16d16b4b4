"""End to end through openzoo's engine and CLI: train on digits, evaluate, predict, load in plain transformers."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

import openzoo
from openzoo.cli import cli


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """A short run of the tiny preset on digits (2 epochs, 80 optimizer steps)."""
    out = tmp_path_factory.mktemp("runs") / "vit-digits"
    return openzoo.train("vit.tiny", "digits", epochs=2, lr=3e-3, out=out, quiet=True)


@pytest.fixture(scope="module")
def digit_png(tmp_path_factory):
    """A test-split digit saved as a PNG, and its true label."""
    from openzoo_vit.digits import load_digits

    example = load_digits().load("test")[0]
    path = tmp_path_factory.mktemp("inputs") / "digit.png"
    Image.fromarray(example["image"], "L").save(path)
    return path, str(example["label"])


@pytest.mark.slow
def test_a_short_training_run_on_digits_clearly_beats_chance(digits_run):
    results = openzoo.evaluate(digits_run, split="test")
    assert results["accuracy"] > 0.5, results  # chance is 0.1
    assert digits_run.best["metric"] == "accuracy"


@pytest.mark.slow
def test_the_run_model_directory_loads_in_plain_transformers(digits_run, digit_png):
    from transformers import AutoImageProcessor, AutoModelForImageClassification

    model_dir = digits_run.path / "model"
    hf_model = AutoModelForImageClassification.from_pretrained(model_dir).eval()
    processor = AutoImageProcessor.from_pretrained(model_dir)
    path, _ = digit_png
    with torch.no_grad():
        logits = hf_model(**processor(images=Image.open(path).convert("RGB"), return_tensors="pt")).logits
    [record] = openzoo.predict(digits_run, [str(path)], top_k=1)
    assert hf_model.config.id2label[int(logits.argmax())] == record["label"]
    assert torch.softmax(logits, -1).max().item() == pytest.approx(record["score"], abs=1e-5)


@pytest.mark.slow
def test_predict_through_the_api_ranks_every_digit(digits_run, digit_png):
    path, _ = digit_png
    [record] = openzoo.predict(digits_run, [str(path)], top_k=10)
    assert sorted(entry["label"] for entry in record["top_k"]) == [str(d) for d in range(10)]
    assert sum(entry["score"] for entry in record["top_k"]) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.slow
def test_a_trained_model_recognises_most_test_digits_given_as_arrays(digits_run):
    from openzoo_vit.digits import load_digits

    examples = load_digits().load("test")[:60]
    records = openzoo.predict(digits_run, [e["image"] for e in examples], top_k=1)
    correct = np.mean([r["label"] == str(e["label"]) for r, e in zip(records, examples)])
    assert correct > 0.5


@pytest.mark.slow
def test_cli_trains_evaluates_and_predicts_a_png(tmp_path, digit_png):
    runner = CliRunner()
    out = tmp_path / "run"
    trained = runner.invoke(
        cli, ["train", "vit.tiny", "--dataset", "digits", "--max-steps", "8", "--out", str(out), "-q"]
    )
    assert trained.exit_code == 0, trained.output
    assert (out / "model" / "model.safetensors").is_file()

    evaluated = runner.invoke(cli, ["evaluate", str(out), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    metrics = json.loads(evaluated.stdout)
    assert 0.0 <= metrics["accuracy"] <= 1.0 and "f1_macro" in metrics

    path, _ = digit_png
    predicted = runner.invoke(cli, ["predict", str(out), str(path), "-o", "top_k=3", "--json"])
    assert predicted.exit_code == 0, predicted.output
    [record] = json.loads(predicted.stdout)
    assert len(record["top_k"]) == 3 and record["label"] in [str(d) for d in range(10)]

    table = runner.invoke(cli, ["predict", str(out), str(path)])
    assert table.exit_code == 0 and "digit.png" in table.stdout and record["label"] in table.stdout


@pytest.mark.slow
def test_cli_reports_an_unreadable_image_as_bad_input(tmp_path, digits_run):
    broken = tmp_path / "broken.png"
    broken.write_text("not a png")
    result = CliRunner().invoke(cli, ["predict", str(digits_run.path), str(broken)])
    assert result.exit_code == 2
    assert "broken.png" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_cli_reports_a_missing_imagefolder_as_bad_input(tmp_path):
    result = CliRunner().invoke(
        cli, ["train", "vit.tiny", "--dataset", "imagefolder", "-o", f"path={tmp_path / 'nope'}", "--max-steps", "1"]
    )
    assert result.exit_code == 2
    assert "nope" in result.stderr and "does not exist" in result.stderr


@pytest.mark.slow
def test_training_on_an_imagefolder_and_fine_tuning_from_the_digits_run(tmp_path, digits_run):
    from openzoo_vit.digits import load_digits

    root = tmp_path / "folder"
    examples = load_digits().load("train")
    for index, example in enumerate(e for e in examples if e["label"] in (0, 1)):
        target = root / ("zero" if example["label"] == 0 else "one") / f"{index}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(example["image"], "L").save(target)
    run = openzoo.train(
        "vit",
        "imagefolder",
        from_pretrained=str(digits_run.path / "model"),
        options={"path": str(root)},
        max_steps=20,
        lr=3e-3,
        out=tmp_path / "tuned",
        quiet=True,
    )
    config = json.loads((run.path / "model" / "config.json").read_text())
    assert config["id2label"] == {"0": "one", "1": "zero"}
    assert openzoo.evaluate(run, split="test")["accuracy"] > 0.8
