"""Shared fixtures of the openzoo-vit tests: a tiny-model tester, in-memory datasets and image files.

Sizes are distinct and odd (batch 13, 12x12 images in 4x4 patches, 5 classes, width 24
with 3 heads) so that a swapped axis fails loudly.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from openzoo import SplitSource

os.environ.setdefault("HF_HUB_OFFLINE", "1")


class ViTTester:
    """Builds tiny configs, labelled image examples and models for the tests."""

    def __init__(
        self,
        batch_size: int = 13,
        image_size: int = 12,
        patch_size: int = 4,
        hidden_size: int = 24,
        num_hidden_layers: int = 2,
        num_attention_heads: int = 3,
        intermediate_size: int = 37,
        num_labels: int = 5,
    ) -> None:
        self.batch_size = batch_size
        self.image_size = image_size
        self.patch_size = patch_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.num_labels = num_labels

    @property
    def labels(self) -> list[str]:
        return [f"class-{i}" for i in range(self.num_labels)]

    def get_config(self) -> dict[str, Any]:
        return {
            "image_size": self.image_size,
            "patch_size": self.patch_size,
            "hidden_size": self.hidden_size,
            "num_hidden_layers": self.num_hidden_layers,
            "num_attention_heads": self.num_attention_heads,
            "intermediate_size": self.intermediate_size,
            "hidden_dropout_prob": 0.0,
            "attention_probs_dropout_prob": 0.0,
        }

    def prepare_examples(self, count: int | None = None, seed: int = 0) -> list[dict[str, Any]]:
        """Random greyscale uint8 images of a different size than the model's (7x9), with labels."""
        rng = np.random.default_rng(seed)
        count = self.batch_size if count is None else count
        return [
            {"image": rng.integers(0, 256, size=(7, 9), dtype=np.uint8), "label": int(i % self.num_labels)}
            for i in range(count)
        ]

    def dataset(self) -> SplitSource:
        examples = self.prepare_examples(20)
        return SplitSource({"train": examples, "validation": examples[:6]}, info={"labels": self.labels})

    def create_model(self, **overrides: Any) -> Any:
        from openzoo_vit.model import ViTClassifier

        return ViTClassifier.create(config={**self.get_config(), **overrides}, dataset=self.dataset())


@pytest.fixture
def tester() -> ViTTester:
    return ViTTester()


@pytest.fixture
def tiny_model(tester: ViTTester) -> Any:
    import torch

    torch.manual_seed(0)
    return tester.create_model()


def write_image(path: Path, mode: str = "RGB", size: tuple[int, int] = (6, 5), value: int = 0) -> Path:
    """Write a small image file of ``mode`` at ``path`` (parents created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(value)
    if mode == "P":
        image = Image.fromarray(rng.integers(0, 256, size=size[::-1], dtype=np.uint8), "L").convert("P")
    else:
        channels = {"L": 1, "RGB": 3, "RGBA": 4}[mode]
        shape = size[::-1] if channels == 1 else (*size[::-1], channels)
        image = Image.fromarray(rng.integers(0, 256, size=shape, dtype=np.uint8), mode)
    image.save(path)
    return path


@pytest.fixture
def image_tree(tmp_path: Path) -> Callable[..., Path]:
    """Return a function writing ``{relative_dir: number_of_images}`` under a fresh root folder."""

    def build(layout: dict[str, int], mode: str = "RGB", suffix: str = ".png") -> Path:
        root = tmp_path / "images"
        root.mkdir(exist_ok=True)
        for folder, count in layout.items():
            (root / folder).mkdir(parents=True, exist_ok=True)
            for i in range(count):
                write_image(root / folder / f"img{i:03d}{suffix}", mode=mode, value=i)
        return root

    return build


@pytest.fixture
def make_image() -> Callable[..., Path]:
    """Return :func:`write_image`, for tests that write single files."""
    return write_image
