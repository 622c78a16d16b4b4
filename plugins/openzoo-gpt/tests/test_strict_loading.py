"""Loading a saved GPT is strict: the weights must be exactly those of the network config.json describes.

transformers alone would initialise whatever a checkpoint lacks and generate with it; here every
difference is an error naming the keys and the directory, and nothing is loaded from a pickle.
"""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file, save_file

import openzoo
from openzoo import BadInputError
from openzoo.cli import cli
from openzoo_gpt.model import GPTModel


@pytest.fixture
def saved(tiny_model, tmp_path):
    directory = tmp_path / "model"
    tiny_model.save(directory)
    return directory


def _rewrite(directory, change) -> None:
    weights = directory / "model.safetensors"
    tensors = load_file(str(weights))
    change(tensors)
    save_file(tensors, str(weights), metadata={"format": "pt"})


def test_the_saved_model_loads_with_its_tied_output_embedding(saved, tiny_model):
    loaded = GPTModel.load(saved)
    assert loaded.module.lm_head.weight.data_ptr() == loaded.module.transformer.wte.weight.data_ptr()
    assert torch.equal(loaded.module.transformer.wte.weight, tiny_model.module.transformer.wte.weight)


def test_a_missing_weight_is_an_error_naming_it(saved):
    _rewrite(saved, lambda t: t.pop("transformer.ln_f.weight"))
    with pytest.raises(
        BadInputError, match=r"the weights in .*model do not match .*missing keys: transformer.ln_f.weight"
    ):
        GPTModel.load(saved)


def test_an_unexpected_weight_in_a_run_model_is_an_error_naming_it(saved):
    _rewrite(saved, lambda t: t.__setitem__("transformer.extra.weight", torch.zeros(3)))
    with pytest.raises(BadInputError, match=r"unexpected keys: transformer.extra.weight"):
        GPTModel.load(saved)


def test_a_reshaped_weight_is_an_error_naming_both_shapes(saved, tiny_config):
    width = tiny_config["n_embd"]
    _rewrite(saved, lambda t: t.__setitem__("transformer.ln_f.bias", torch.zeros(width + 1)))
    with pytest.raises(
        BadInputError, match=rf"reshaped keys: transformer.ln_f.bias \(file \[{width + 1}\], model \[{width}\]\)"
    ):
        GPTModel.load(saved)


def test_a_directory_with_only_a_pickle_is_refused(saved):
    torch.save(load_file(str(saved / "model.safetensors")), saved / "pytorch_model.bin")
    (saved / "model.safetensors").unlink()
    with pytest.raises(BadInputError, match=r"holds no model.safetensors \(it has pytorch_model.bin: pickle files"):
        GPTModel.load(saved)


def test_a_truncated_weight_file_is_named(saved):
    weights = saved / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-64])
    with pytest.raises(BadInputError, match=rf"weight file {weights} is truncated or corrupt"):
        GPTModel.load(saved)


def test_a_crafted_vocabulary_size_is_refused_before_any_network_is_built(saved, monkeypatch):
    config = json.loads((saved / "config.json").read_text())
    config["vocab_size"] = 10**9  # 36 billion values of embedding
    (saved / "config.json").write_text(json.dumps(config))
    from transformers import GPT2LMHeadModel

    def never(*args, **kwargs):
        raise AssertionError("from_pretrained must not run for a config larger than its weights")

    monkeypatch.setattr(GPT2LMHeadModel, "from_pretrained", never)
    with pytest.raises(BadInputError, match=r"config.json describes a network of \d+ values but its weights hold only"):
        GPTModel.load(saved)


def test_from_pretrained_refuses_missing_weights_too(saved, tiny_config):
    _rewrite(saved, lambda t: t.pop("transformer.h.0.mlp.c_fc.bias"))
    with pytest.raises(BadInputError, match=r"missing keys: transformer.h.0.mlp.c_fc.bias"):
        GPTModel.create(config=tiny_config, pretrained=str(saved))


def test_evaluate_and_predict_on_a_run_with_tampered_weights_exit_2_naming_the_keys(tmp_path, corpus_dir):
    run = openzoo.train(
        "gpt.tiny", "text", options={"dataset.path": str(corpus_dir)}, max_steps=2, out=tmp_path / "run", quiet=True
    ).path
    _rewrite(run / "model", lambda t: t.pop("transformer.wpe.weight"))
    for args in (["evaluate", str(run)], ["predict", str(run), "Once upon"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert "missing keys: transformer.wpe.weight" in result.stderr
        assert str(run / "model") in result.stderr
