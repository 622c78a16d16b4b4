"""Fixtures of the openzoo-bert tests: a tester object that builds tiny models and data.

Sizes are odd and distinct (13 examples in a batch, 3 labels in the label-count tests)
so that a swapped axis fails loudly. Nothing here reaches the network: the hub is
switched off before transformers is imported.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from openzoo import SplitSource

from openzoo_bert.plugin import openzoo_models

_POSITIVE = ("great", "wonderful", "superb", "lovely", "moving", "brilliant", "charming")
_NEGATIVE = ("awful", "terrible", "boring", "dreadful", "dull", "clumsy", "tedious")
_FILLER = ("the film", "this movie", "the plot", "the acting", "the ending", "every scene", "the score")
_TAIL = ("from start to finish", "", "and the cast knows it", "despite the budget", "at times", "overall")


@dataclass
class BertTester:
    """Builds the tiny preset, a small generated sentiment dataset and batches of raw examples."""

    #: Examples in a batch built by :meth:`examples`.
    batch_size: int = 13
    #: Label names of the generated dataset.
    labels: tuple[str, ...] = ("negative", "positive")
    #: Examples per split of the generated dataset.
    split_sizes: Mapping[str, int] = field(default_factory=lambda: {"train": 240, "validation": 60, "test": 60})

    def get_config(self, **overrides: Any) -> dict[str, Any]:
        """The tiny preset's config with ``overrides`` applied, as the engine passes it."""
        spec = openzoo_models()[0]
        return {**spec.preset("tiny").config, **overrides}

    def sentence(self, rng: random.Random, label: int) -> str:
        word = rng.choice(_POSITIVE if label else _NEGATIVE)
        return f"{rng.choice(_FILLER)} was {word} {rng.choice(_TAIL)}".strip()

    def make_source(self, seed: int = 0) -> SplitSource:
        """A generated two-class dataset: the sentiment word decides the label."""
        rng = random.Random(seed)
        splits = {}
        for name, size in self.split_sizes.items():
            labels = [i % 2 for i in range(size)]
            rng.shuffle(labels)
            splits[name] = [{"text": self.sentence(rng, label), "label": label} for label in labels]
        return SplitSource(splits, info={"labels": list(self.labels)})

    def examples(self, seed: int = 1, with_labels: bool = True) -> list[dict[str, Any]]:
        """A batch of raw examples of varied lengths."""
        rng = random.Random(seed)
        out = []
        for index in range(self.batch_size):
            label = index % 2
            text = " ".join(self.sentence(rng, label) for _ in range(1 + index % 4))
            out.append({"text": text, "label": label} if with_labels else {"text": text})
        return out

    def build(self, seed: int = 0, **overrides: Any):
        """A freshly initialised tiny classifier, seeded."""
        import torch

        from openzoo_bert.model import BertClassifier

        torch.manual_seed(seed)
        return BertClassifier.create(config=self.get_config(**overrides), dataset=self.make_source())

    def train(self, model, epochs: int = 4, lr: float = 3e-3, seed: int = 0) -> None:
        """A few epochs of plain AdamW over the training split, as the engine would run them."""
        import torch

        torch.manual_seed(seed)
        source = self.make_source()
        examples = list(source.load("train"))
        optimizer = torch.optim.AdamW(model.module.parameters(), lr=lr)
        model.module.train()
        rng = random.Random(seed)
        for _ in range(epochs):
            rng.shuffle(examples)
            for start in range(0, len(examples), 16):
                output = model.module(**model.collate(examples[start : start + 16]))
                output["loss"].backward()
                optimizer.step()
                optimizer.zero_grad()
        model.module.eval()


@pytest.fixture(scope="session")
def tester() -> BertTester:
    return BertTester()


@pytest.fixture(scope="session")
def trained_model(tester: BertTester):
    """A tiny classifier trained on the generated dataset (shared; do not modify it)."""
    model = tester.build()
    tester.train(model)
    return model


@pytest.fixture(scope="session")
def saved_model_dir(trained_model, tmp_path_factory: pytest.TempPathFactory):
    """The trained tiny classifier, saved with ``save`` (shared; do not modify it)."""
    directory = tmp_path_factory.mktemp("bert-saved")
    trained_model.save(directory)
    return directory
