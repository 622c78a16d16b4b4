"""Evaluate and predict: through a run directory, a loaded run, or a fresh model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from openzoo.engine import api
from openzoo.engine.loading import LoadedRun


@pytest.fixture
def trained(train_run):
    return train_run(epochs=4, lr=0.03)


def direct_accuracy(loaded: LoadedRun, examples) -> float:
    batch = loaded.model.collate(examples)
    with torch.no_grad():
        logits = loaded.model.module(pixel_values=batch["pixel_values"])["logits"]
    return float((logits.argmax(-1) == batch["labels"]).float().mean())


def toy_split(registry, split: str, size: int = 60):
    return registry.resolve(registry.dataset("toy-images"))(size=size).load(split)


def test_evaluate_uses_the_runs_dataset_and_options_and_matches_a_direct_computation(trained, registry):
    results = api.evaluate(trained, registry=registry)
    assert set(results) == {"accuracy", "f1_macro"}
    loaded = api.load(trained, registry=registry)
    assert results["accuracy"] == pytest.approx(direct_accuracy(loaded, toy_split(registry, "test")))


def test_evaluate_with_named_metrics_and_split(trained, registry):
    results = api.evaluate(trained, split="validation", metrics=["ozerror", "accuracy"], registry=registry)
    assert list(results) == ["ozerror", "accuracy"]
    assert results["ozerror"] == pytest.approx(1 - results["accuracy"])


def test_evaluate_on_other_dataset_options(trained, registry):
    loaded = api.load(trained, registry=registry)
    results = api.evaluate(loaded, "toy-images", "test", options={"size": 100, "seed": 5}, registry=registry)
    examples = registry.resolve(registry.dataset("toy-images"))(size=100, seed=5).load("test")
    assert results["accuracy"] == pytest.approx(direct_accuracy(loaded, examples))


def test_evaluate_a_fresh_model_from_its_preset(registry):
    results = api.evaluate("ozmlp.tiny", "toy-images", options={"size": 60, "hidden": 3}, registry=registry)
    assert 0.0 <= results["accuracy"] <= 1.0 and set(results) == {"accuracy", "f1_macro"}


def test_load_returns_the_model_spec_and_run_config(trained, registry):
    loaded = api.load(trained.path, registry=registry)
    assert loaded.spec.name == "ozmlp" and loaded.task.name == "image-classification"
    assert loaded.config["dataset"]["name"] == "toy-images" and loaded.path == trained.path
    assert not loaded.model.module.training and loaded.device == torch.device("cpu")


def test_predict_on_arrays_matches_the_modules_argmax(trained, registry):
    examples = toy_split(registry, "test")[:5]
    records = api.predict(trained, [e["image"] for e in examples], top_k=3, registry=registry)
    loaded = api.load(trained, registry=registry)
    logits = loaded.model.module(pixel_values=loaded.model.collate(examples)["pixel_values"])["logits"]
    labels = loaded.model.labels
    assert [r["label"] for r in records] == [labels[i] for i in logits.argmax(-1).tolist()]
    assert all(len(r["top_k"]) == 3 and r["score"] == r["top_k"][0]["score"] for r in records)


def test_predict_reads_image_files_and_converts_text_options(trained, registry, tmp_path):
    image = toy_split(registry, "test")[0]["image"]
    path = tmp_path / "digit.png"
    Image.fromarray(np.asarray(image)).save(path)
    from_file = api.predict(trained, str(path), top_k="1", registry=registry)
    from_array = api.predict(trained, [image], top_k=1, registry=registry)
    assert from_file == from_array and len(from_file[0]["top_k"]) == 1


def test_a_loaded_run_predicts_without_reloading(trained, registry):
    loaded = api.load(trained, registry=registry)
    image = toy_split(registry, "test")[0]["image"]
    assert loaded.predict([image]) == api.predict(trained, [image], registry=registry)


def test_stream_yields_the_pieces_of_a_generation_model(registry, tmp_path):
    run = api.train("ozecho", "toy-text", out=tmp_path / "echo", max_steps=2, quiet=True, registry=registry)
    assert list(api.stream(run, "abc", max_new_tokens=2, registry=registry)) == ["c", "b"]
    assert api.predict(run, ["hello"], registry=registry) == [{"prompt": "hello", "text": "olleh", "tokens": 5}]
    assert torch.is_grad_enabled()


def test_text_a_model_cannot_encode_is_bad_input_naming_the_input(registry, tmp_path, monkeypatch):
    from ozengine.echo import OzEcho

    from openzoo.errors import BadInputError

    run = api.train("ozecho", "toy-text", out=tmp_path / "echo", max_steps=1, quiet=True, registry=registry)
    original = OzEcho.predict

    def predict(self, inputs, **options):
        for text in inputs:
            text.encode("utf-8")  # what a tokenizer does with its input
        return original(self, inputs, **options)

    monkeypatch.setattr(OzEcho, "predict", predict)
    with pytest.raises(BadInputError, match=r"input 2 is not valid UTF-8 text \(byte 0xe9 at position 3\)"):
        api.predict(run, ["ok", "caf\udce9"], registry=registry)


def test_an_encoding_error_of_the_model_itself_stays_the_models(registry, tmp_path, monkeypatch):
    from ozengine.echo import OzEcho

    run = api.train("ozecho", "toy-text", out=tmp_path / "echo", max_steps=1, quiet=True, registry=registry)

    def predict(self, inputs, **options):
        return ["\udce9".encode("utf-8")]  # a bug of the plugin's: every input is valid text

    monkeypatch.setattr(OzEcho, "predict", predict)
    with pytest.raises(UnicodeEncodeError):
        api.predict(run, ["hello"], registry=registry)
