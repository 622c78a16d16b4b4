"""Fixtures of the openzoo-recsys tests: planted ratings, tiny models, a plain training loop and the baselines."""

from __future__ import annotations

import importlib.util
import math
import os
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch
from openzoo_recsys.datasets import build_source
from openzoo_recsys.model import MFModel, NCFModel, RecommenderModel
from openzoo_recsys.ratings_file import Rating

from openzoo import SplitSource

os.environ.setdefault("HF_HUB_OFFLINE", "1")

#: Distinct, odd sizes so that a swapped axis fails loudly.
NUM_USERS, NUM_ITEMS, PER_USER = 37, 29, 13

#: The baselines the models must beat, kept beside the benchmark that also uses them (not in the package).
REFERENCE_BASELINES = Path(__file__).resolve().parents[1] / "benchmarks" / "reference_baselines.py"


def planted_ratings(
    seed: int = 0, users: int = NUM_USERS, items: int = NUM_ITEMS, per_user: int = PER_USER
) -> list[Rating]:
    """Ratings 1..5 from two planted latent factors plus small biases and noise.

    Each user rates the items of highest affinity more often (so implicit feedback has
    structure beyond popularity); timestamps are shuffled against file order.
    """
    rng = random.Random(seed)
    user_factors = [[rng.gauss(0, 1) for _ in range(2)] for _ in range(users)]
    item_factors = [[rng.gauss(0, 1) for _ in range(2)] for _ in range(items)]
    rows, line = [], 1
    for u in range(users):
        affinity = [sum(a * b for a, b in zip(user_factors[u], item_factors[i])) for i in range(items)]
        weights = [math.exp(1.5 * a) for a in affinity]
        chosen: list[int] = []
        while len(chosen) < per_user:
            pick = rng.choices(range(items), weights)[0]
            if pick not in chosen:
                chosen.append(pick)
        for i in chosen:
            value = 3.0 + 0.9 * affinity[i] + rng.gauss(0, 0.3)
            rating = float(min(5, max(1, round(value))))
            rows.append(Rating(f"u{u}", f"m{i}", rating, float(rng.randrange(10**6)), line))
            line += 1
    return rows


@pytest.fixture
def planted() -> SplitSource:
    """A leave-last-out split of the planted ratings."""
    return build_source(
        planted_ratings(),
        method="leave-last-out",
        seed=0,
        test_fraction=0.1,
        validation_fraction=0.1,
        feedback="explicit",
    )


@pytest.fixture
def tiny_mf(planted: SplitSource) -> MFModel:
    torch.manual_seed(0)
    return MFModel.create(config={"factors": 3, "reg": 0.01, "init_std": 0.1}, dataset=planted)


@pytest.fixture
def tiny_ncf(planted: SplitSource) -> NCFModel:
    torch.manual_seed(0)
    return NCFModel.create(config={"factors": 3, "mlp_layers": "6,4", "negatives": 2, "init_std": 0.1}, dataset=planted)


def fit(
    model: RecommenderModel, examples: Sequence[Any], epochs: int, batch_size: int, lr: float, seed: int = 0
) -> None:
    """Train ``model.module`` with Adam through the Model protocol (collate -> module -> loss).

    Runs on one thread: the models are tiny, and on a shared machine extra threads only wait.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _fit(model, examples, epochs, batch_size, lr, seed)
    finally:
        torch.set_num_threads(threads)


def _fit(model: RecommenderModel, examples: Sequence[Any], epochs: int, batch_size: int, lr: float, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(model.module.parameters(), lr=lr)
    model.module.train()
    for _ in range(epochs):
        order = torch.randperm(len(examples), generator=generator).tolist()
        for start in range(0, len(order), batch_size):
            batch = model.collate([examples[i] for i in order[start : start + batch_size]])
            loss = model.module(**batch)["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.module.eval()


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ``text`` to ``tmp_path/name`` and return the path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def fit_model() -> Callable[..., None]:
    """The plain training loop :func:`fit`, as a fixture (test modules never import conftest)."""
    return fit


@pytest.fixture
def planted_rows() -> list[Rating]:
    """The planted ratings, unsplit."""
    return planted_ratings()


@pytest.fixture(scope="session")
def baselines() -> ModuleType:
    """``benchmarks/reference_baselines.py``, loaded from its file under a name no other module has."""
    spec = importlib.util.spec_from_file_location("openzoo_recsys_tests_reference_baselines", REFERENCE_BASELINES)
    assert spec is not None and spec.loader is not None, REFERENCE_BASELINES
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
