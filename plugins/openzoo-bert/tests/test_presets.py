"""Every preset builds a model of the declared size; wrong settings fail before any work."""

from __future__ import annotations

import pytest
import torch
from openzoo import BadInputError

from openzoo_bert.model import BertClassifier
from openzoo_bert.plugin import openzoo_models

SPEC = openzoo_models()[0]


def parameter_count(model: BertClassifier) -> int:
    return sum(parameter.numel() for parameter in model.module.parameters())


def test_tiny_preset_builds_with_fewer_than_a_million_parameters_including_embeddings(tester):
    model = tester.build()
    assert 10_000 < parameter_count(model) < 1_000_000
    assert model.module.config.num_hidden_layers == 2
    assert model.module.config.num_labels == 2


def test_mini_preset_builds_the_declared_architecture(tester):
    model = BertClassifier.create(config=dict(SPEC.preset("mini").config), dataset=tester.make_source())
    config = model.module.config
    assert (config.num_hidden_layers, config.hidden_size, config.num_attention_heads) == (4, 128, 4)
    assert config.vocab_size == len(model.tokenizer)
    assert model.tokenizer.model_max_length == 64


def test_base_preset_builds_the_bert_base_architecture_on_the_meta_device(tester):
    with torch.device("meta"):
        model = BertClassifier.create(config=dict(SPEC.preset("base").config), dataset=tester.make_source())
    config = model.module.config
    assert (config.num_hidden_layers, config.hidden_size, config.num_attention_heads) == (12, 768, 12)
    assert (config.intermediate_size, config.max_position_embeddings) == (3072, 512)
    encoder_parameters = sum(p.numel() for p in model.module.bert.encoder.parameters())
    assert encoder_parameters == 12 * 7_087_872  # one BERT-base layer has 7,087,872 parameters


def test_finetune_preset_without_a_checkpoint_is_refused(tester):
    with pytest.raises(BadInputError, match="needs --from-pretrained"):
        BertClassifier.create(config=dict(SPEC.preset("finetune").config), dataset=tester.make_source())


def test_building_from_scratch_without_a_dataset_is_refused(tester):
    with pytest.raises(BadInputError, match="needs a dataset"):
        BertClassifier.create(config=tester.get_config())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"hidden_size": 30, "num_attention_heads": 4}, "not a multiple", id="heads-do-not-divide-hidden"),
        pytest.param({"max_length": 500}, "exceeds max_position_embeddings", id="max-length-too-long"),
        pytest.param({"dropout": 1.5}, "dropout", id="dropout-out-of-range"),
        pytest.param({"num_hidden_layers": 0}, "positive integer", id="zero-layers"),
        pytest.param({"vocab_size": 10}, "vocab_size", id="vocab-too-small"),
        pytest.param({"colour": "red"}, "unknown config keys", id="unknown-key"),
    ],
)
def test_invalid_settings_raise_bad_input_naming_the_option(tester, overrides, message):
    with pytest.raises(BadInputError, match=message):
        tester.build(**overrides)


def test_same_seed_gives_the_same_vocabulary_and_weights(tester):
    first, second = tester.build(seed=3), tester.build(seed=3)
    assert first.tokenizer.get_vocab() == second.tokenizer.get_vocab()
    for (name, a), (_, b) in zip(first.module.state_dict().items(), second.module.state_dict().items()):
        assert torch.equal(a, b), name
