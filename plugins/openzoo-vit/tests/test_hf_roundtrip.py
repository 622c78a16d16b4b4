"""Saved models are plain Hugging Face directories; --from-pretrained uses the real from_pretrained path."""

from __future__ import annotations

import json

import pytest
import torch
from openzoo_vit.model import ViTClassifier

from openzoo import BadInputError, SplitSource


def test_save_writes_safetensors_config_and_image_processor(tiny_model, tmp_path):
    tiny_model.save(tmp_path)
    assert {"config.json", "model.safetensors", "preprocessor_config.json"} <= {p.name for p in tmp_path.iterdir()}
    assert not list(tmp_path.glob("*.bin")) and not list(tmp_path.glob("*.pt"))
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["id2label"] == {str(i): f"class-{i}" for i in range(5)}
    processor = json.loads((tmp_path / "preprocessor_config.json").read_text())
    assert processor["size"] == {"height": 12, "width": 12}


def test_plain_transformers_auto_classes_load_the_saved_model_with_the_same_logits(tiny_model, tester, tmp_path):
    from transformers import AutoImageProcessor, AutoModelForImageClassification

    tiny_model.save(tmp_path)
    examples = tester.prepare_examples()
    tiny_model.module.eval()
    with torch.no_grad():
        expected = tiny_model.module(**tiny_model.collate(examples))["logits"]

    hf_model = AutoModelForImageClassification.from_pretrained(tmp_path).eval()
    hf_processor = AutoImageProcessor.from_pretrained(tmp_path)
    from PIL import Image

    images = [Image.fromarray(example["image"], "L").convert("RGB") for example in examples]
    with torch.no_grad():
        logits = hf_model(**hf_processor(images=images, return_tensors="pt")).logits
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=1e-4)
    assert hf_model.config.id2label[3] == "class-3"


def test_load_gives_back_the_same_model(tiny_model, tester, tmp_path):
    tiny_model.save(tmp_path)
    loaded = ViTClassifier.load(tmp_path)
    batch = tiny_model.collate(tester.prepare_examples())
    tiny_model.module.eval()
    loaded.module.eval()
    with torch.no_grad():
        torch.testing.assert_close(loaded.module(**batch)["logits"], tiny_model.module(**batch)["logits"])
    assert loaded.labels == tester.labels


def test_load_of_a_folder_without_a_model_says_so(tmp_path):
    with pytest.raises(BadInputError, match="not a saved model directory"):
        ViTClassifier.load(tmp_path)


def test_from_pretrained_resizes_the_head_to_the_new_classes_and_keeps_the_encoder(tiny_model, tester, tmp_path):
    tiny_model.save(tmp_path)
    labels = ["cat", "dog", "eel"]
    source = SplitSource({"train": tester.prepare_examples(3)}, info={"labels": labels})
    tuned = ViTClassifier.create(config=tester.get_config(), dataset=source, pretrained=str(tmp_path))

    assert tuned.module.classifier.out_features == 3
    assert tuned.labels == labels
    assert tuned.module.config.label2id == {"cat": 0, "dog": 1, "eel": 2}
    original = dict(tiny_model.module.named_parameters())
    for name, parameter in tuned.module.named_parameters():
        if not name.startswith("classifier."):
            torch.testing.assert_close(parameter, original[name], msg=f"{name} changed")
    batch = tuned.collate(source.load("train"))
    assert tuned.module(**batch)["logits"].shape == (3, 3)


def test_from_pretrained_with_the_same_classes_keeps_the_head(tiny_model, tester, tmp_path):
    tiny_model.save(tmp_path)
    tuned = ViTClassifier.create(config=tester.get_config(), dataset=tester.dataset(), pretrained=str(tmp_path))
    torch.testing.assert_close(tuned.module.classifier.weight, tiny_model.module.classifier.weight)


def test_from_pretrained_and_load_expand_a_home_relative_path(tiny_model, tester, tmp_path, monkeypatch):
    tiny_model.save(tmp_path / "saved")
    monkeypatch.setenv("HOME", str(tmp_path))  # as a config file or --from-pretrained=~/... passes it
    tuned = ViTClassifier.create(config=tester.get_config(), dataset=tester.dataset(), pretrained="~/saved")
    torch.testing.assert_close(tuned.module.classifier.weight, tiny_model.module.classifier.weight)
    loaded = ViTClassifier.load("~/saved")
    torch.testing.assert_close(loaded.module.classifier.weight, tiny_model.module.classifier.weight)


def test_from_pretrained_uses_the_checkpoint_architecture_and_processor(tiny_model, tester, tmp_path):
    tiny_model.save(tmp_path)
    tuned = ViTClassifier.create(
        config={**tester.get_config(), "image_size": 8, "patch_size": 2},
        dataset=tester.dataset(),
        pretrained=str(tmp_path),
    )
    assert tuned.module.config.image_size == 12
    assert tuned.collate(tester.prepare_examples(2))["pixel_values"].shape == (2, 3, 12, 12)


def test_from_pretrained_of_a_directory_without_a_processor_builds_one_for_its_image_size(tiny_model, tester, tmp_path):
    tiny_model.module.save_pretrained(tmp_path)  # weights only, as some checkpoints ship
    tuned = ViTClassifier.create(config=tester.get_config(), dataset=tester.dataset(), pretrained=str(tmp_path))
    assert tuned.collate(tester.prepare_examples(2))["pixel_values"].shape == (2, 3, 12, 12)


def test_from_pretrained_of_a_missing_directory_is_bad_input(tester, tmp_path):
    with pytest.raises(BadInputError, match="cannot load pretrained weights"):
        ViTClassifier.create(config=tester.get_config(), dataset=tester.dataset(), pretrained=str(tmp_path / "none"))
