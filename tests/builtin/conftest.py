"""Fixtures for the builtin components: the builtin registry and tiny, seeded metric inputs.

Sizes are odd and distinct (5 classes, sequence 6, vocabulary 7, 13 items) so a
swapped axis fails loudly. Float inputs are rounded to values bfloat16 represents
exactly, so the same numbers can be fed in fp32, fp16 and bf16.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
import torch

from openzoo.plugins import load_registry

#: Every builtin metric, by spec name.
METRIC_NAMES = ("accuracy", "f1_macro", "perplexity", "bits_per_char", "rmse", "mae", "hr", "ndcg")
NUM_CLASSES, SEQ, VOCAB, NUM_ITEMS = 5, 6, 7, 13
CLASS_NAMES = ["ant", "bee", "cat", "dog", "eel"]

Batch = tuple[dict[str, Any], dict[str, Any]]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "metric_name" in metafunc.fixturenames:
        metafunc.parametrize("metric_name", METRIC_NAMES)


def _bf16_exact(values: torch.Tensor) -> torch.Tensor:
    return values.to(torch.bfloat16).float()


def make_metric_inputs(name: str, n: int, seed: int) -> Batch:
    """Return (outputs, batch) with ``n`` random rows of the task ``name`` evaluates."""
    g = torch.Generator().manual_seed(seed)
    if name in ("accuracy", "f1_macro"):
        logits = _bf16_exact(torch.randn(n, NUM_CLASSES, generator=g) * 3)
        return {"logits": logits}, {"labels": torch.randint(0, NUM_CLASSES, (n,), generator=g)}
    if name in ("perplexity", "bits_per_char"):
        logits = _bf16_exact(torch.randn(n, SEQ, VOCAB, generator=g) * 2)
        labels = torch.randint(0, VOCAB, (n, SEQ), generator=g)
        labels[torch.rand(n, SEQ, generator=g) < 0.2] = -100
        meta = {"num_chars": torch.randint(5, 40, (n,), generator=g)}
        return {"logits": logits}, {"labels": labels, "meta": meta}
    if name in ("rmse", "mae"):
        scores = _bf16_exact(1 + 4 * torch.rand(n, generator=g))
        return {"scores": scores}, {"ratings": torch.randint(2, 11, (n,), generator=g).float() / 2}
    scores = torch.round(torch.randn(n, NUM_ITEMS, generator=g) * 2) / 2  # halves: plenty of ties
    items = torch.randint(0, NUM_ITEMS, (n,), generator=g)
    seen = torch.rand(n, NUM_ITEMS, generator=g) < 0.3
    seen[torch.arange(n), items] = False
    scores[seen] = -torch.inf
    return {"ranking_scores": scores}, {"items": items}


def take_rows(tree: Any, index: torch.Tensor | slice) -> Any:
    """Index every tensor of a nested outputs/batch mapping along its first dimension."""
    if isinstance(tree, torch.Tensor):
        return tree[index]
    if isinstance(tree, Mapping):
        return {key: take_rows(value, index) for key, value in tree.items()}
    return tree


def cast_floats(tree: Any, dtype: torch.dtype, device: str | torch.device = "cpu") -> Any:
    """Move every tensor to ``device`` and cast the floating ones to ``dtype``."""
    if isinstance(tree, torch.Tensor):
        return tree.to(device=device, dtype=dtype if tree.is_floating_point() else tree.dtype)
    if isinstance(tree, Mapping):
        return {key: cast_floats(value, dtype, device) for key, value in tree.items()}
    return tree


@pytest.fixture(scope="session")
def registry() -> Any:
    """A registry holding only core's builtin plugin (no installed plugins, no environment)."""
    return load_registry(sources=[], environ={})


@pytest.fixture(scope="session")
def new_metric(registry: Any) -> Callable[..., Any]:
    """Return a function building a fresh builtin metric by spec name, as the engine does."""

    def build(name: str, **options: Any) -> Any:
        spec = registry.metric(name)
        info = {"labels": CLASS_NAMES} if "text-classification" in spec.tasks else {}
        return registry.resolve(spec)(info, **options)

    return build


@pytest.fixture(scope="session")
def metric_inputs() -> Callable[[str, int, int], Batch]:
    """Return :func:`make_metric_inputs`."""
    return make_metric_inputs


@pytest.fixture(scope="session")
def rows() -> Callable[[Any, Any], Any]:
    """Return :func:`take_rows`."""
    return take_rows


@pytest.fixture(scope="session")
def cast() -> Callable[..., Any]:
    """Return :func:`cast_floats`."""
    return cast_floats
