"""predict(): label names and probabilities for raw texts, batched."""

from __future__ import annotations

import math

import pytest
import torch
from openzoo import BadInputError


def test_each_text_gets_its_label_score_and_probabilities_summing_to_one(trained_model):
    records = trained_model.predict(["the film was superb", "the plot was tedious", ""])
    assert len(records) == 3
    for record in records:
        assert set(record) == {"label", "score", "scores"}
        assert record["label"] in {"negative", "positive"}
        assert record["score"] == record["scores"][record["label"]] == max(record["scores"].values())
        assert math.isclose(sum(record["scores"].values()), 1.0, rel_tol=1e-5)
    assert [r["label"] for r in records[:2]] == ["positive", "negative"]


def test_scores_are_ordered_best_first_and_top_k_keeps_the_best(trained_model):
    record = trained_model.predict(["the acting was lovely"], top_k=1)[0]
    assert list(record["scores"]) == [record["label"]]
    full = trained_model.predict(["the acting was lovely"])[0]
    assert list(full["scores"].values()) == sorted(full["scores"].values(), reverse=True)


def test_a_single_string_is_one_input_not_a_list_of_characters(trained_model):
    assert len(trained_model.predict("superb")) == 1


def test_predict_leaves_the_module_in_training_mode_when_it_was_training(tester):
    model = tester.build()
    model.module.train()
    model.predict(["fine"])
    assert model.module.training


def test_predict_runs_without_building_an_autograd_graph(trained_model):
    with torch.enable_grad():
        record = trained_model.predict(["fine"])[0]
    assert isinstance(record["score"], float)


@pytest.mark.parametrize(
    ("inputs", "options", "message"),
    [
        pytest.param([3], {}, "must be a text", id="non-text-input"),
        pytest.param(["fine"], {"top_k": 0}, "top_k", id="top-k-zero"),
        pytest.param(["fine"], {"batch_size": 0}, "batch_size", id="batch-size-zero"),
        pytest.param(["fine"], {"temperature": 2}, "unknown predict options", id="unknown-option"),
    ],
)
def test_bad_predict_input_raises_bad_input(trained_model, inputs, options, message):
    with pytest.raises(BadInputError, match=message):
        trained_model.predict(inputs, **options)


def test_collate_rejects_a_label_outside_the_classes(trained_model):
    with pytest.raises(BadInputError, match=r"class indices 0\.\.1"):
        trained_model.collate([{"text": "fine", "label": 2}])


def test_collate_leaves_out_labels_for_unlabelled_examples(trained_model):
    batch = trained_model.collate([{"text": "fine"}, {"text": "dull film"}])
    assert "labels" not in batch
    assert batch["input_ids"].shape == batch["attention_mask"].shape
