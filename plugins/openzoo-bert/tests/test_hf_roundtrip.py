"""A saved model is a plain Hugging Face directory: Auto classes and pipelines load it."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

from openzoo_bert.model import BertClassifier

TEXTS = ["the acting was superb from start to finish", "the plot was dull", "every scene was lovely at times"]


def test_save_writes_safetensors_config_and_tokenizer_and_no_pickle(saved_model_dir):
    names = {path.name for path in saved_model_dir.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json"} <= names
    assert not [name for name in names if name.endswith((".bin", ".pt", ".pkl", ".pth"))]


def test_auto_classes_give_the_same_logits_as_the_model(trained_model, saved_model_dir):
    module = AutoModelForSequenceClassification.from_pretrained(saved_model_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(saved_model_dir)
    with torch.no_grad():
        expected = trained_model.module(**trained_model.collate([{"text": t} for t in TEXTS]))["logits"]
        got = module(**tokenizer(TEXTS, padding=True, return_tensors="pt"))["logits"]
    torch.testing.assert_close(got, expected)


def test_load_restores_a_model_that_predicts_identically(trained_model, saved_model_dir):
    loaded = BertClassifier.load(saved_model_dir)
    assert loaded.labels == trained_model.labels
    for got, expected in zip(loaded.predict(TEXTS), trained_model.predict(TEXTS)):
        assert got["label"] == expected["label"]
        assert got["score"] == pytest.approx(expected["score"], abs=1e-6)


def test_text_classification_pipeline_prints_label_names_with_the_models_scores(trained_model, saved_model_dir):
    classify = pipeline("text-classification", model=str(saved_model_dir), device="cpu")
    results = classify(TEXTS)
    for result, expected in zip(results, trained_model.predict(TEXTS)):
        assert result["label"] == expected["label"]
        assert result["label"] in {"negative", "positive"}
        assert result["score"] == pytest.approx(expected["score"], abs=1e-5)
