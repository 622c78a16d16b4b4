"""Model.predict: image files, PIL images and arrays in; top-k labels with probabilities out."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from openzoo import BadInputError


def test_predict_on_a_png_file_returns_the_best_label_and_top_k(tiny_model, make_image, tmp_path):
    path = make_image(tmp_path / "input.png", mode="L", size=(9, 7))
    [record] = tiny_model.predict([str(path)], top_k=3)
    assert set(record) == {"label", "score", "top_k"}
    assert len(record["top_k"]) == 3
    scores = [entry["score"] for entry in record["top_k"]]
    assert scores == sorted(scores, reverse=True)
    assert record["label"] == record["top_k"][0]["label"] and record["score"] == scores[0]
    assert {entry["label"] for entry in record["top_k"]} <= set(tiny_model.labels)


def test_predict_scores_are_the_softmax_of_the_model_logits(tiny_model, tester):
    examples = tester.prepare_examples(4)
    records = tiny_model.predict([example["image"] for example in examples], top_k=5)
    tiny_model.module.eval()
    with torch.no_grad():
        probabilities = tiny_model.module(**tiny_model.collate(examples))["logits"].softmax(-1)
    for record, row in zip(records, probabilities):
        by_label = {entry["label"]: entry["score"] for entry in record["top_k"]}
        expected = {label: row[i].item() for i, label in enumerate(tiny_model.labels)}
        assert by_label == pytest.approx(expected, abs=1e-6)


def test_paths_pil_images_and_arrays_of_the_same_picture_give_the_same_prediction(tiny_model, tmp_path):
    array = np.random.default_rng(2).integers(0, 256, size=(10, 10, 3), dtype=np.uint8)
    path = tmp_path / "same.png"
    Image.fromarray(array).save(path)
    records = tiny_model.predict([path, Image.fromarray(array), array], top_k=2)
    assert records[0] == records[1] == records[2]


def test_top_k_larger_than_the_number_of_classes_returns_every_class(tiny_model, tester):
    [record] = tiny_model.predict([tester.prepare_examples(1)[0]["image"]], top_k=50)
    assert len(record["top_k"]) == 5
    assert sum(entry["score"] for entry in record["top_k"]) == pytest.approx(1.0, abs=1e-5)


def test_predict_keeps_the_module_in_training_mode_when_it_was(tiny_model, tester):
    tiny_model.module.train()
    tiny_model.predict([tester.prepare_examples(1)[0]["image"]])
    assert tiny_model.module.training


def test_predict_on_many_inputs_returns_one_record_each_in_order(tiny_model, tester):
    images = [example["image"] for example in tester.prepare_examples(70)]
    batched = tiny_model.predict(images, top_k=1)
    assert len(batched) == 70
    assert batched[65] == tiny_model.predict([images[65]], top_k=1)[0]


@pytest.mark.parametrize("top_k", [0, -1, 2.5, True])
def test_a_top_k_below_one_or_not_an_integer_is_rejected(tiny_model, tester, top_k):
    with pytest.raises(BadInputError, match="top_k must be a positive integer"):
        tiny_model.predict([tester.prepare_examples(1)[0]["image"]], top_k=top_k)


def test_an_unknown_predict_option_is_rejected(tiny_model, tester):
    with pytest.raises(BadInputError, match=r"unknown predict option.*temperature"):
        tiny_model.predict([tester.prepare_examples(1)[0]["image"]], temperature=2.0)


def test_a_missing_image_file_is_bad_input_naming_it(tiny_model, tmp_path):
    with pytest.raises(BadInputError, match=r"ghost\.png"):
        tiny_model.predict([str(tmp_path / "ghost.png")])
