"""Loading a saved GPT is strict: the weights must be exactly those of the network config.json describes.

transformers alone would initialise whatever a checkpoint lacks and generate with it; here every
difference is an error naming the keys and the directory, and nothing is loaded from a pickle.
"""

from __future__ import annotations

import pytest
import torch
from click.testing import CliRunner

import openzoo
from openzoo import BadInputError
from openzoo.cli import cli
from openzoo.conformance.tampering import (
    edit_config,
    must_not_run,
    replace_weights_with_pickle,
    rewrite_weights,
    truncate_weights,
)
from openzoo_gpt.model import GPTModel


@pytest.fixture
def saved(tiny_model, tmp_path):
    directory = tmp_path / "model"
    tiny_model.save(directory)
    return directory


def test_the_saved_model_loads_with_its_tied_output_embedding(saved, tiny_model):
    loaded = GPTModel.load(saved)
    assert loaded.module.lm_head.weight.data_ptr() == loaded.module.transformer.wte.weight.data_ptr()
    assert torch.equal(loaded.module.transformer.wte.weight, tiny_model.module.transformer.wte.weight)


def test_a_missing_weight_is_an_error_naming_it(saved):
    rewrite_weights(saved, lambda t: t.pop("transformer.ln_f.weight"))
    with pytest.raises(
        BadInputError, match=r"the weights in .*model do not match .*missing keys: transformer.ln_f.weight"
    ):
        GPTModel.load(saved)


def test_an_unexpected_weight_in_a_run_model_is_an_error_naming_it(saved):
    rewrite_weights(saved, lambda t: t.__setitem__("transformer.extra.weight", torch.zeros(3)))
    with pytest.raises(BadInputError, match=r"unexpected keys: transformer.extra.weight"):
        GPTModel.load(saved)


def test_a_reshaped_weight_is_an_error_naming_both_shapes(saved, tiny_config):
    width = tiny_config["n_embd"]
    rewrite_weights(saved, lambda t: t.__setitem__("transformer.ln_f.bias", torch.zeros(width + 1)))
    with pytest.raises(
        BadInputError, match=rf"reshaped keys: transformer.ln_f.bias \(file \[{width + 1}\], model \[{width}\]\)"
    ):
        GPTModel.load(saved)


def test_a_directory_with_only_a_pickle_is_refused(saved):
    replace_weights_with_pickle(saved)
    with pytest.raises(BadInputError, match=r"holds no model.safetensors \(it has pytorch_model.bin: pickle files"):
        GPTModel.load(saved)


def test_a_truncated_weight_file_is_named(saved):
    weights = truncate_weights(saved)
    with pytest.raises(BadInputError, match=rf"weight file {weights} is truncated or corrupt"):
        GPTModel.load(saved)


def test_a_crafted_vocabulary_size_is_refused_before_any_network_is_built(saved, monkeypatch):
    edit_config(saved, vocab_size=10**9)  # 36 billion values of embedding
    from transformers import GPT2LMHeadModel

    monkeypatch.setattr(
        GPT2LMHeadModel,
        "from_pretrained",
        must_not_run("from_pretrained must not run for a config larger than its weights"),
    )
    with pytest.raises(BadInputError, match=r"config.json describes a network of \d+ values but its weights hold only"):
        GPTModel.load(saved)


def test_from_pretrained_refuses_missing_weights_too(saved, tiny_config):
    rewrite_weights(saved, lambda t: t.pop("transformer.h.0.mlp.c_fc.bias"))
    with pytest.raises(BadInputError, match=r"missing keys: transformer.h.0.mlp.c_fc.bias"):
        GPTModel.create(config=tiny_config, pretrained=str(saved))


def test_evaluate_and_predict_on_a_run_with_tampered_weights_exit_2_naming_the_keys(tmp_path, corpus_dir):
    run = openzoo.train(
        "gpt.tiny", "text", options={"dataset.path": str(corpus_dir)}, max_steps=2, out=tmp_path / "run", quiet=True
    ).path
    rewrite_weights(run / "model", lambda t: t.pop("transformer.wpe.weight"))
    for args in (["evaluate", str(run)], ["predict", str(run), "Once upon"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert "missing keys: transformer.wpe.weight" in result.stderr
        assert str(run / "model") in result.stderr
