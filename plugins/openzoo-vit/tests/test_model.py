"""The vit model through openzoo's Model protocol: presets, collate, forward/backward, config errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from openzoo_vit.model import ViTClassifier
from PIL import Image

from openzoo import BadInputError, SplitSource
from openzoo.plugins import load_registry


def _preset(name: str):
    return load_registry().model("vit").preset(name)


def _digits_like_source() -> SplitSource:
    examples = [{"image": np.zeros((8, 8), np.uint8), "label": i % 10} for i in range(10)]
    return SplitSource({"train": examples}, info={"labels": [str(d) for d in range(10)]})


def test_tiny_preset_builds_a_model_under_one_million_parameters():
    model = ViTClassifier.create(config=_preset("tiny").config, dataset=_digits_like_source())
    parameters = sum(p.numel() for p in model.module.parameters())
    assert 1_000 < parameters < 1_000_000
    assert model.module.config.num_labels == 10


def test_small_preset_builds_the_digits_demo_architecture():
    model = ViTClassifier.create(config=_preset("small").config, dataset=_digits_like_source())
    config = model.module.config
    assert (config.image_size, config.patch_size, config.hidden_size, config.num_hidden_layers) == (16, 4, 96, 4)
    assert 100_000 < sum(p.numel() for p in model.module.parameters()) < 1_000_000


def test_base_preset_is_the_standard_vit_base_16_architecture():
    # Built on the meta device: the real architecture and parameter count, without allocating 86M weights.
    from openzoo_vit.architecture import build_config
    from transformers import ViTForImageClassification

    config = build_config(_preset("base").config, [f"c{i}" for i in range(1000)])
    with torch.device("meta"):
        module = ViTForImageClassification(config)
    # google/vit-base-patch16-224 (ImageNet-1k head) has 86,567,656 parameters.
    assert sum(p.numel() for p in module.parameters()) == 86_567_656
    assert (config.image_size, config.patch_size, config.hidden_size) == (224, 16, 768)
    assert (config.num_hidden_layers, config.num_attention_heads, config.intermediate_size) == (12, 12, 3072)


def test_collate_resizes_any_image_to_the_model_size_as_three_channels(tiny_model, tester):
    batch = tiny_model.collate(tester.prepare_examples())
    assert batch["pixel_values"].shape == (13, 3, 12, 12)
    assert batch["pixel_values"].dtype == torch.float32
    assert batch["labels"].tolist() == [i % 5 for i in range(13)]
    assert -1.0 - 1e-6 <= batch["pixel_values"].min() and batch["pixel_values"].max() <= 1.0 + 1e-6


def test_collate_of_unlabelled_examples_has_no_labels(tiny_model, tester):
    examples = [{"image": example["image"]} for example in tester.prepare_examples()]
    assert set(tiny_model.collate(examples)) == {"pixel_values"}


def test_collate_rejects_a_batch_where_only_some_examples_are_labelled(tiny_model, tester):
    examples = tester.prepare_examples(3)
    del examples[1]["label"]
    with pytest.raises(BadInputError, match="some examples"):
        tiny_model.collate(examples)


@pytest.mark.parametrize("label", [5, -1, 2.0, True, "2"])
def test_collate_refuses_a_label_that_is_not_a_class_index(tiny_model, tester, label):
    # the tiny model has 5 classes: 5 is one past the last, and only integers 0..4 are class indices
    examples = tester.prepare_examples(3)
    examples[2]["label"] = label
    with pytest.raises(BadInputError, match=r"example 2 has label .*class indices 0\.\.4"):
        tiny_model.collate(examples)


def test_collate_takes_numpy_integer_labels(tiny_model, tester):
    examples = tester.prepare_examples(3)
    examples[0]["label"] = np.int64(4)
    assert tiny_model.collate(examples)["labels"].tolist() == [4, 1, 2]


def test_collate_treats_greyscale_and_the_same_image_as_rgb_identically(tiny_model):
    grey = np.random.default_rng(1).integers(0, 256, size=(8, 8), dtype=np.uint8)
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    batch = tiny_model.collate([{"image": grey}, {"image": rgb}, {"image": Image.fromarray(grey, "L")}])
    torch.testing.assert_close(batch["pixel_values"][0], batch["pixel_values"][1])
    torch.testing.assert_close(batch["pixel_values"][0], batch["pixel_values"][2])


def test_forward_returns_logits_per_class_and_a_scalar_loss_that_backpropagates(tiny_model, tester):
    batch = tiny_model.collate(tester.prepare_examples())
    outputs = tiny_model.module(**batch)
    assert outputs["logits"].shape == (13, 5)
    assert outputs["loss"].ndim == 0
    outputs["loss"].backward()
    grads = [p.grad for p in tiny_model.module.parameters() if p.requires_grad]
    assert all(g is not None for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


def test_a_few_optimizer_steps_lower_the_loss_on_a_fixed_batch(tiny_model, tester):
    batch = tiny_model.collate(tester.prepare_examples())
    optimizer = torch.optim.AdamW(tiny_model.module.parameters(), lr=1e-2)
    first = tiny_model.module(**batch)["loss"].item()
    for _ in range(30):
        loss = tiny_model.module(**batch)["loss"]
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    assert tiny_model.module(**batch)["loss"].item() < 0.5 * first


def test_forward_runs_under_bf16_autocast_on_cpu(tiny_model, tester):
    batch = tiny_model.collate(tester.prepare_examples())
    tiny_model.module.eval()
    with torch.no_grad():
        reference = tiny_model.module(**batch)["logits"]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            low = tiny_model.module(**batch)["logits"]
    assert torch.isfinite(low).all()
    torch.testing.assert_close(low.float(), reference, atol=0.1, rtol=0.05)


def test_an_example_alone_gives_the_same_logits_as_inside_a_batch(tiny_model, tester):
    tiny_model.module.eval()
    examples = tester.prepare_examples()
    with torch.no_grad():
        together = tiny_model.module(**tiny_model.collate(examples))["logits"]
        alone = tiny_model.module(**tiny_model.collate(examples[4:5]))["logits"]
    torch.testing.assert_close(alone[0], together[4], atol=1e-5, rtol=1e-4)


def test_unknown_model_option_is_rejected_with_the_allowed_keys(tester):
    with pytest.raises(BadInputError, match=r"unknown model option.*dropout.*allowed: image_size"):
        tester.create_model(dropout=0.1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"hidden_size": 25}, "not divisible by num_attention_heads", id="heads-do-not-divide-width"),
        pytest.param({"patch_size": 5}, "not a multiple of patch_size", id="patches-do-not-tile-image"),
        pytest.param({"num_hidden_layers": 0}, "positive integer", id="zero-layers"),
        pytest.param({"hidden_dropout_prob": 1.5}, r"probability in \[0, 1\)", id="dropout-above-one"),
    ],
)
def test_impossible_architecture_is_rejected_before_building(tester, overrides, message):
    with pytest.raises(BadInputError, match=message):
        tester.create_model(**overrides)


def test_a_new_model_without_a_dataset_asks_for_class_names(tester):
    with pytest.raises(BadInputError, match="info\\['labels'\\]"):
        ViTClassifier.create(config=tester.get_config())


def test_a_dataset_with_a_single_class_is_rejected(tester):
    source = SplitSource({"train": tester.prepare_examples(2)}, info={"labels": ["only"]})
    with pytest.raises(BadInputError, match="at least two class names"):
        ViTClassifier.create(config=tester.get_config(), dataset=source)
