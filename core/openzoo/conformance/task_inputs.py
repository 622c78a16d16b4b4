"""Tiny, seeded inputs built from a task's definition, for the checks.

Model checks draw a few examples from the model's test dataset; metric checks
build outputs and batches by hand, for the four core tasks, with known answers
(perfect predictions, completely wrong predictions, random ones). Everything
is small so the whole catalogue runs on a CPU in seconds.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openzoo.tasks import IMAGE_CLASSIFICATION, RECOMMENDATION, TEXT_CLASSIFICATION, TEXT_GENERATION

__all__ = [
    "METRIC_TASKS",
    "MetricCase",
    "batch_targets",
    "metric_cases",
    "metric_info",
    "output_shape_problems",
    "raw_input",
    "sample_examples",
    "split_batch",
]

#: Tasks for which the metric checks can craft inputs.
METRIC_TASKS = (TEXT_CLASSIFICATION, IMAGE_CLASSIFICATION, TEXT_GENERATION, RECOMMENDATION)
#: Examples in the tiny batch (odd, so a swapped axis shows).
BATCH_SIZE = 5
_TEXT_TASKS = (TEXT_CLASSIFICATION, TEXT_GENERATION)


def sample_examples(task: str, source: Any, n: int = BATCH_SIZE) -> list[dict[str, Any]]:
    """Return ``n`` examples of the training split, deep-copied.

    For text tasks the examples have different lengths (the shortest and the longest
    first), so batching pads and attention-mask mistakes show.
    """
    split = source.splits()[0]
    examples = source.load(split)
    pool = [dict(examples[i]) for i in range(min(len(examples), 64))]
    if task in _TEXT_TASKS and pool:
        by_length = sorted(range(len(pool)), key=lambda i: (len(str(pool[i].get("text", ""))), i))
        order = [by_length[0], by_length[-1], *by_length[1:-1][: max(0, n - 2)]]
        pool = [pool[i] for i in dict.fromkeys(order)]
    return copy.deepcopy(pool[:n])


def raw_input(task: str, example: Mapping[str, Any]) -> Any:
    """Return what ``Model.predict`` takes for ``example`` (its text, image or user id)."""
    if task in _TEXT_TASKS:
        return example["text"]
    if task == IMAGE_CLASSIFICATION:
        return example["image"]
    if task == RECOMMENDATION:
        return example["user"]
    raise KeyError(task)


def batch_targets(task: Any) -> list[str]:
    """Return the target keys a batch of labelled examples carries (``meta.*`` keys excluded)."""
    return [key for key in task.targets if "." not in key]


def _batch_size(batch: Mapping[str, Any]) -> int | None:
    import torch

    for key, value in batch.items():
        if key != "meta" and isinstance(value, torch.Tensor) and value.ndim >= 1:
            return int(value.shape[0])
    return None


def output_shape_problems(
    task: Any, outputs: Mapping[str, Any], batch: Mapping[str, Any], info: Mapping[str, Any]
) -> list[str]:
    """Return what is wrong with the task outputs of one forward pass (empty when all is right)."""
    import torch

    problems = []
    size = _batch_size(batch)
    for key, description in task.outputs.items():
        optional = description.strip().startswith("optional")
        value = outputs.get(key) if isinstance(outputs, Mapping) else getattr(outputs, key, None)
        if value is None:
            if not optional:
                problems.append(f"output {key!r} is missing (outputs have {sorted(outputs.keys())})")
            continue
        if not isinstance(value, torch.Tensor):
            problems.append(f"output {key!r} is a {type(value).__name__}, not a tensor")
            continue
        if not value.is_floating_point():
            problems.append(f"output {key!r} has dtype {value.dtype}; a floating dtype is required")
        if size is not None and (value.ndim == 0 or value.shape[0] != size):
            problems.append(
                f"output {key!r} has shape {tuple(value.shape)}; the first dimension must be the batch size {size}"
            )
            continue
        expected = _expected_shape(task.name, key, value, batch, info)
        if expected is not None and tuple(value.shape) != expected:
            problems.append(f"output {key!r} has shape {tuple(value.shape)}; expected {expected}")
        if value.is_floating_point() and key != "ranking_scores" and not bool(torch.isfinite(value).all()):
            problems.append(f"output {key!r} has non-finite values")
    return problems


def _expected_shape(
    task: str, key: str, value: Any, batch: Mapping[str, Any], info: Mapping[str, Any]
) -> tuple[int, ...] | None:
    size = value.shape[0]
    if task in (TEXT_CLASSIFICATION, IMAGE_CLASSIFICATION) and key == "logits" and "labels" in info:
        return (size, len(info["labels"]))
    if task == TEXT_GENERATION and key == "logits" and "labels" in batch:
        return (size, int(batch["labels"].shape[1]), int(value.shape[-1]))
    if task == RECOMMENDATION and key == "scores":
        return (size,)
    return None


def split_batch(batch: Mapping[str, Any], index: int) -> dict[str, Any]:
    """Return example ``index`` of a collated batch as a batch of one (tensors sliced on dim 0)."""
    import torch

    out: dict[str, Any] = {}
    for key, value in batch.items():
        if key == "meta" and isinstance(value, Mapping):
            out[key] = split_batch(value, index)
        elif isinstance(value, torch.Tensor) and value.ndim >= 1:
            out[key] = value[index : index + 1]
        else:
            out[key] = value
    return out


# -- metrics -------------------------------------------------------------------

_NUM_CLASSES = 3
_SEQ = 6
_VOCAB = 11
_NUM_ITEMS = 23
_NUM_USERS = 9


def metric_info(task: str) -> dict[str, Any]:
    """Return the ``info`` a dataset of ``task`` would give a metric factory."""
    if task in (TEXT_CLASSIFICATION, IMAGE_CLASSIFICATION):
        return {"labels": [f"class{i}" for i in range(_NUM_CLASSES)]}
    if task == TEXT_GENERATION:
        return {"vocab_size": _VOCAB}
    if task == RECOMMENDATION:
        return {
            "num_users": _NUM_USERS,
            "num_items": _NUM_ITEMS,
            "users": [f"u{i}" for i in range(_NUM_USERS)],
            "items": [f"i{i}" for i in range(_NUM_ITEMS)],
            "rating_range": [0.5, 5.0],
        }
    raise KeyError(task)


@dataclass
class MetricCase:
    """Model outputs and the batch they came from, one row per example."""

    outputs: dict[str, Any]
    batch: dict[str, Any]

    def __len__(self) -> int:
        return int(next(iter(self.outputs.values())).shape[0])

    def select(self, rows: Sequence[int]) -> MetricCase:
        """Return the case restricted to ``rows`` (in that order)."""
        import torch

        index = torch.as_tensor(list(rows), dtype=torch.long)

        def take(mapping: Mapping[str, Any]) -> dict[str, Any]:
            return {k: take(v) if isinstance(v, Mapping) else v.index_select(0, index) for k, v in mapping.items()}

        return MetricCase(take(self.outputs), take(self.batch))

    def map_floats(self, fn: Any) -> MetricCase:
        """Return the case with ``fn`` applied to every floating tensor (dtype or device changes)."""
        import torch

        def conv(mapping: Mapping[str, Any], floats_only: bool) -> dict[str, Any]:
            out = {}
            for k, v in mapping.items():
                if isinstance(v, Mapping):
                    out[k] = conv(v, floats_only)
                elif isinstance(v, torch.Tensor) and (v.is_floating_point() or not floats_only):
                    out[k] = fn(v)
                else:
                    out[k] = v
            return out

        return MetricCase(conv(self.outputs, True), conv(self.batch, True))

    def to(self, device: Any) -> MetricCase:
        import torch

        def move(mapping: Mapping[str, Any]) -> dict[str, Any]:
            return {
                k: move(v) if isinstance(v, Mapping) else (v.to(device) if isinstance(v, torch.Tensor) else v)
                for k, v in mapping.items()
            }

        return MetricCase(move(self.outputs), move(self.batch))


def metric_cases(task: str, n: int = 12, seed: int = 0) -> dict[str, MetricCase]:
    """Return ``perfect``, ``wrong`` and ``random`` cases of ``n`` examples for ``task``.

    ``perfect``: the model puts all its mass on the truth. ``wrong``: the truth gets the
    lowest score everywhere. ``random``: seeded noise (for invariance checks).
    """
    import torch

    g = torch.Generator().manual_seed(seed)
    if task in (TEXT_CLASSIFICATION, IMAGE_CLASSIFICATION):
        labels = torch.arange(n) % _NUM_CLASSES
        onehot = torch.nn.functional.one_hot(labels, _NUM_CLASSES).float()
        return {
            "perfect": MetricCase({"logits": onehot * 20.0 - 10.0}, {"labels": labels}),
            "wrong": MetricCase({"logits": 10.0 - onehot * 20.0 + torch.roll(onehot, 1, dims=1)}, {"labels": labels}),
            "random": MetricCase(
                {"logits": torch.randn(n, _NUM_CLASSES, generator=g)},
                {"labels": torch.randint(0, _NUM_CLASSES, (n,), generator=g)},
            ),
        }
    if task == TEXT_GENERATION:
        labels = torch.randint(0, _VOCAB, (n, _SEQ), generator=g)
        nxt = torch.nn.functional.one_hot(torch.roll(labels, -1, dims=1), _VOCAB).float()
        meta = {"num_chars": torch.full((n,), _SEQ * 3, dtype=torch.long)}
        rand_meta = {"num_chars": torch.randint(_SEQ, _SEQ * 4, (n,), generator=g)}
        return {
            "perfect": MetricCase({"logits": nxt * 40.0 - 20.0}, {"labels": labels, "meta": meta}),
            "wrong": MetricCase({"logits": 20.0 - nxt * 40.0}, {"labels": labels, "meta": meta}),
            "random": MetricCase(
                {"logits": torch.randn(n, _SEQ, _VOCAB, generator=g)}, {"labels": labels, "meta": rand_meta}
            ),
        }
    if task == RECOMMENDATION:
        ratings = (torch.randint(1, 11, (n,), generator=g) / 2.0).float()
        items = torch.randint(0, _NUM_ITEMS, (n,), generator=g)
        onehot = torch.nn.functional.one_hot(items, _NUM_ITEMS).float()
        ranked_noise = torch.rand(n, _NUM_ITEMS, generator=g)
        return {
            "perfect": MetricCase(
                {"scores": ratings.clone(), "ranking_scores": ranked_noise + onehot * 10.0},
                {"ratings": ratings, "items": items},
            ),
            "wrong": MetricCase(
                {"scores": 5.5 - ratings, "ranking_scores": ranked_noise - onehot * 10.0},
                {"ratings": ratings, "items": items},
            ),
            "random": MetricCase(
                {"scores": torch.rand(n, generator=g) * 5, "ranking_scores": torch.randn(n, _NUM_ITEMS, generator=g)},
                {"ratings": ratings, "items": items},
            ),
        }
    raise KeyError(task)
