"""Loading a saved BERT classifier is strict: the weights must be exactly those of the network config.json describes.

transformers alone would initialise whatever a checkpoint lacks and classify with it; here every
difference is an error naming the keys and the directory, and nothing is loaded from a pickle.
"""

from __future__ import annotations

import shutil

import pytest
import torch
from click.testing import CliRunner
from openzoo import BadInputError
from openzoo.cli import cli
from openzoo.conformance.tampering import (
    edit_config,
    must_not_run,
    replace_weights_with_pickle,
    rewrite_weights,
    truncate_weights,
)

from openzoo_bert.model import BertClassifier


@pytest.fixture
def saved(saved_model_dir, tmp_path):
    return shutil.copytree(saved_model_dir, tmp_path / "model")


def test_a_missing_weight_is_an_error_naming_it(saved):
    rewrite_weights(saved, lambda t: t.pop("classifier.weight"))
    with pytest.raises(
        BadInputError, match=r"bert: the weights in .*model do not match .*missing keys: classifier.weight"
    ):
        BertClassifier.load(saved)


def test_a_renamed_weight_is_an_error_naming_both_keys(saved):
    rewrite_weights(saved, lambda t: t.__setitem__("bert.pooler.dense.kernel", t.pop("bert.pooler.dense.weight")))
    with pytest.raises(BadInputError) as error:
        BertClassifier.load(saved)
    assert "missing keys: bert.pooler.dense.weight" in str(error.value)
    assert "unexpected keys: bert.pooler.dense.kernel" in str(error.value)


def test_a_reshaped_weight_is_an_error_naming_both_shapes(saved):
    rewrite_weights(saved, lambda t: t.__setitem__("classifier.bias", torch.zeros(5)))
    with pytest.raises(BadInputError, match=r"reshaped keys: classifier.bias \(file \[5\], model \[2\]\)"):
        BertClassifier.load(saved)


def test_a_directory_with_only_a_pickle_is_refused(saved):
    replace_weights_with_pickle(saved)
    with pytest.raises(BadInputError, match=r"holds no model.safetensors \(it has pytorch_model.bin: pickle files"):
        BertClassifier.load(saved)


def test_a_truncated_weight_file_is_named(saved):
    truncate_weights(saved)
    with pytest.raises(BadInputError, match=r"weight file .*model.safetensors is truncated or corrupt"):
        BertClassifier.load(saved)


def test_a_crafted_vocabulary_size_is_refused_before_any_network_is_built(saved, monkeypatch):
    edit_config(saved, vocab_size=10**9)
    from transformers import AutoModelForSequenceClassification

    monkeypatch.setattr(
        AutoModelForSequenceClassification,
        "from_pretrained",
        must_not_run("from_pretrained must not run for a config larger than its weights"),
    )
    with pytest.raises(BadInputError, match=r"config.json describes a network of \d+ values but its weights hold only"):
        BertClassifier.load(saved)


def test_from_pretrained_may_start_a_new_head_but_not_lose_the_encoder(saved, tester):
    rewrite_weights(saved, lambda t: t.pop("bert.embeddings.word_embeddings.weight"))
    with pytest.raises(BadInputError, match=r"missing keys: bert.embeddings.word_embeddings.weight"):
        BertClassifier.create(
            config={"max_length": 32, "needs_pretrained": True}, dataset=tester.make_source(), pretrained=str(saved)
        )


def test_evaluate_on_a_run_with_tampered_weights_exits_2_naming_the_keys(tmp_path):
    import openzoo

    run = openzoo.train("bert.tiny", "toy-sentiment", max_steps=1, out=tmp_path / "run", quiet=True).path
    rewrite_weights(run / "model", lambda t: t.pop("bert.embeddings.LayerNorm.weight"))
    for args in (["evaluate", str(run)], ["predict", str(run), "a fine film"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert "missing keys: bert.embeddings.LayerNorm.weight" in result.stderr
        assert str(run / "model") in result.stderr
