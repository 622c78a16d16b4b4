"""Seeded, stratified train/validation/test splits of labelled examples.

Each class is split on its own, so every split keeps the class balance of the
whole set: the examples of a class are shuffled with ``random.Random(seed)``,
the first ``round(n * validation)`` go to validation, the next
``round(n * test)`` to test and the rest to train. Within a split, examples
keep the order they had in the source file, so the same file, seed and
fractions always give the same splits, on every platform and Python version.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from openzoo import BadInputError

__all__ = ["SPLITS", "check_fractions", "stratified_split"]

#: The split names every loader of this plugin provides, training split first.
SPLITS: tuple[str, ...] = ("train", "validation", "test")


def check_fractions(validation: float, test: float) -> None:
    """Raise :class:`BadInputError` unless both fractions are in [0, 0.5) and leave data to train on."""
    for name, value in (("validation", validation), ("test", test)):
        if not isinstance(value, (int, float)) or not 0.0 <= value < 0.5:
            raise BadInputError(f"option {name}={value!r} must be a fraction in [0, 0.5), for example 0.1")
    if validation + test >= 0.9:
        raise BadInputError(
            f"options validation={validation} and test={test} leave under 10% of the data to train on; lower them"
        )


def stratified_split(
    examples: Sequence[Mapping[str, Any]], *, seed: int, validation: float, test: float
) -> dict[str, list[Mapping[str, Any]]]:
    """Split labelled examples into ``train``, ``validation`` and ``test``, class by class.

    :param examples: examples with an integer ``label``.
    :param seed: seed of the shuffle; the same seed gives the same splits.
    :param validation: fraction of each class held out for validation.
    :param test: fraction of each class held out for testing.
    :returns: a mapping from split name to its examples, in source order.
    """
    check_fractions(validation, test)
    by_class: dict[int, list[int]] = {}
    for index, example in enumerate(examples):
        by_class.setdefault(int(example["label"]), []).append(index)
    rng = random.Random(seed)
    assignment: dict[int, str] = {}
    for label in sorted(by_class):
        indices = list(by_class[label])
        rng.shuffle(indices)
        n_validation = round(len(indices) * validation)
        n_test = round(len(indices) * test)
        for position, index in enumerate(indices):
            if position < n_validation:
                assignment[index] = "validation"
            elif position < n_validation + n_test:
                assignment[index] = "test"
            else:
                assignment[index] = "train"
    splits: dict[str, list[Mapping[str, Any]]] = {name: [] for name in SPLITS}
    for index, example in enumerate(examples):
        splits[assignment[index]].append(example)
    return splits
