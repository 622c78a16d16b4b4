"""Loading a saved ViT is strict: the weights must be exactly those of the network config.json describes.

transformers alone would initialise whatever a checkpoint lacks and predict with it; here every
difference is an error naming the keys and the directory, and nothing is loaded from a pickle.
"""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from click.testing import CliRunner
from openzoo_vit.model import ViTClassifier

import openzoo
from openzoo import BadInputError
from openzoo.cli import cli
from openzoo.conformance.tampering import edit_config, must_not_run, replace_weights_with_pickle, rewrite_weights


@pytest.fixture
def saved(tiny_model, tmp_path):
    directory = tmp_path / "model"
    tiny_model.save(directory)
    return directory


def test_a_missing_weight_is_an_error_naming_it(saved):
    rewrite_weights(saved, lambda t: t.pop("classifier.bias"))
    with pytest.raises(
        BadInputError, match=r"vit: the weights in .*model do not match .*missing keys: classifier.bias"
    ):
        ViTClassifier.load(saved)


def test_a_renamed_weight_is_an_error_naming_both_keys(saved):
    rewrite_weights(saved, lambda t: t.__setitem__("classifier.kernel", t.pop("classifier.weight")))
    with pytest.raises(BadInputError) as error:
        ViTClassifier.load(saved)
    assert "missing keys: classifier.weight" in str(error.value)
    assert "unexpected keys: classifier.kernel" in str(error.value)


def test_a_reshaped_weight_is_an_error_naming_both_shapes(saved, tester):
    rewrite_weights(saved, lambda t: t.__setitem__("classifier.bias", torch.zeros(tester.num_labels + 2)))
    config = json.loads((saved / "config.json").read_text())
    with pytest.raises(BadInputError, match=r"reshaped keys: classifier.bias \(file \[7\], model \[5\]\)"):
        ViTClassifier.load(saved)
    assert len(config["id2label"]) == 5


def test_a_directory_with_only_a_pickle_is_refused(saved):
    replace_weights_with_pickle(saved)
    with pytest.raises(BadInputError, match=r"holds no model.safetensors \(it has pytorch_model.bin: pickle files"):
        ViTClassifier.load(saved)


def test_a_crafted_config_larger_than_its_weights_is_refused_before_any_network_is_built(saved, monkeypatch):
    edit_config(saved, hidden_size=3 * 4_000, intermediate_size=4_000)  # hundreds of millions of values
    from transformers import ViTForImageClassification

    monkeypatch.setattr(
        ViTForImageClassification,
        "from_pretrained",
        must_not_run("from_pretrained must not run for a config larger than its weights"),
    )
    with pytest.raises(BadInputError, match=r"config.json describes a network of \d+ values but its weights hold only"):
        ViTClassifier.load(saved)


def test_weights_of_another_architecture_are_refused(saved, tmp_path):
    from transformers import BertConfig, BertModel

    BertModel(BertConfig(vocab_size=99, hidden_size=24, num_hidden_layers=1, num_attention_heads=3)).save_pretrained(
        tmp_path / "bert"
    )
    with pytest.raises(BadInputError, match=r"holds a 'bert' model, not a ViT"):
        ViTClassifier.load(tmp_path / "bert")


def test_from_pretrained_may_replace_the_head_but_not_lose_the_encoder(saved, tester):
    rewrite_weights(saved, lambda t: t.pop("vit.embeddings.cls_token"))
    dataset = tester.dataset()
    with pytest.raises(BadInputError, match=r"missing keys: vit.embeddings.cls_token"):
        ViTClassifier.create(config={}, dataset=dataset, pretrained=str(saved))


@pytest.mark.slow
def test_evaluate_and_predict_on_a_run_with_tampered_weights_exit_2_naming_the_keys(tmp_path):
    from PIL import Image
    from sklearn.datasets import load_digits

    run = openzoo.train("vit.tiny", "digits", max_steps=2, out=tmp_path / "run", quiet=True).path
    rewrite_weights(run / "model", lambda t: t.pop("vit.layernorm.weight"))
    image = tmp_path / "digit.png"
    Image.fromarray((load_digits().images[0] * 16).astype("uint8"), "L").save(image)
    for args in (["evaluate", str(run)], ["predict", str(run), str(image)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert "missing keys: vit.layernorm.weight" in result.stderr
        assert str(run / "model") in result.stderr
    shutil.rmtree(run)
