"""End to end through the engine: openzoo.train / evaluate / predict and the openzoo CLI."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

import openzoo


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("engine") / "corpus"
    root.mkdir()
    rng = random.Random(3)
    subjects = ["The cat", "A dog", "The old king", "My friend"]
    objects = ["the moon.", "a ship.", "the river.", "a letter."]
    for index in range(5):
        lines = [f"{rng.choice(subjects)} sees {rng.choice(objects)}\n" for _ in range(60)]
        (root / f"doc{index}.txt").write_text("".join(lines), encoding="utf-8")
    return root


def _options(corpus):
    return {"dataset.path": str(corpus), "dataset.block_chars": 160, "dataset.validation_fraction": 0.2}


@pytest.fixture(scope="module")
def run(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "run"
    return openzoo.train(
        "gpt", "text", preset="tiny", max_steps=25, batch_size=8, lr=1e-2, options=_options(corpus), out=out, quiet=True
    )


def test_training_lowers_validation_perplexity_below_the_fresh_model(run, corpus):
    fresh = openzoo.evaluate("gpt", "text", split="validation", preset="tiny", options=_options(corpus))
    trained = openzoo.evaluate(run.path, split="validation")
    assert set(trained) == {"perplexity", "bits_per_char"}
    assert trained["perplexity"] < fresh["perplexity"] * 0.5, (fresh, trained)
    assert 0 < trained["bits_per_char"] < fresh["bits_per_char"]


def test_the_run_model_directory_loads_in_plain_transformers(run):
    from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

    model_dir = run.path / "model"
    AutoModelForCausalLM.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    assert tokenizer.eos_token == "<|endoftext|>"
    ours = openzoo.predict(run.path, ["The cat"], max_new_tokens=6)[0]["text"]
    theirs = pipeline("text-generation", model=str(model_dir))("The cat", max_new_tokens=6, do_sample=False)
    assert theirs[0]["generated_text"] == "The cat" + ours


def test_predict_through_the_api_takes_text_options(run):
    records = openzoo.predict(run.path, ["The cat", "A dog"], max_new_tokens="5", do_sample="true", seed="3")
    assert [r["prompt"] for r in records] == ["The cat", "A dog"]
    assert records == openzoo.predict(run.path, ["The cat", "A dog"], max_new_tokens=5, do_sample=True, seed=3)


def test_cli_predict_streams_the_continuation_after_the_prompt(run):
    from openzoo.cli import cli

    expected = openzoo.predict(run.path, ["The cat"], max_new_tokens=8)[0]["text"]
    result = CliRunner().invoke(cli, ["predict", str(run.path), "The cat", "-o", "max_new_tokens=8"])
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip("\n") == ("The cat" + expected).rstrip("\n")


def test_cli_predict_json_gives_the_full_records(run):
    from openzoo.cli import cli

    result = CliRunner().invoke(cli, ["predict", str(run.path), "The cat", "-o", "max_new_tokens=4", "--json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert records[0]["prompt"] == "The cat" and records[0]["tokens"] <= 4


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["The cat " * 300], "context holds 256 tokens"),
        (["The cat", "-o", "topk=3"], "Did you mean 'top_k'"),
        (["The cat", "-o", "top_p=2"], "option 'top_p' of predict of model 'gpt' must be in the range (0, 1]"),
    ],
    ids=["prompt-too-long", "unknown-option", "bad-value"],
)
def test_cli_predict_bad_input_exits_2_with_the_reason(run, arguments, words):
    from openzoo.cli import cli

    result = CliRunner().invoke(cli, ["predict", str(run.path), *arguments])
    assert result.exit_code == 2
    assert words in result.output
    assert "Traceback" not in result.output
    assert result.stdout == "", "nothing (not even the prompt) is printed before the input is refused"


def test_cli_train_on_an_empty_corpus_exits_2(tmp_path):
    from openzoo.cli import cli

    (tmp_path / "empty.txt").write_text("\n\n", encoding="utf-8")
    args = ["train", "gpt", "--dataset", "text", "--preset", "tiny", "-o", f"dataset.path={tmp_path}"]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "run")])
    assert result.exit_code == 2
    assert "corpus is empty" in result.output
