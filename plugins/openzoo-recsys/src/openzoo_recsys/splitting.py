"""Split ratings into train, validation and test.

``leave-last-out`` (per user, by timestamp; ties keep file order)
    each user's latest rating goes to test and the one before it to validation;
    the rest is training. A user with two ratings gives one to test and none to
    validation; a user with one rating keeps it in training. This is the
    protocol of the NCF paper (He et al. 2017) for HR@k and NDCG@k.
``random`` (seeded)
    a random permutation of all ratings (``random.Random(seed)``): the first
    ``test_fraction`` go to test, the next ``validation_fraction`` to validation,
    the rest to training -- the protocol of Surprise's ``train_test_split``.
    A user or item may then appear only in test; models still know its id (it is
    in the dataset's ``info``), but have learnt nothing about it.

No (user, item) pair is in two splits: the file readers reject or merge duplicates.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

from openzoo import BadInputError

__all__ = ["SPLITS", "check_fractions", "leave_last_out", "random_split", "split"]

#: The split names every recsys dataset provides, training first.
SPLITS = ("train", "validation", "test")

_Row = TypeVar("_Row")


def leave_last_out(rows: Sequence[_Row], users: Sequence[str], times: Sequence[float]) -> dict[str, list[_Row]]:
    """Return the leave-last-out splits of ``rows``; ``users[j]`` and ``times[j]`` describe ``rows[j]``."""
    by_user: dict[str, list[int]] = {}
    for position, user in enumerate(users):
        by_user.setdefault(user, []).append(position)
    placed = ["train"] * len(rows)
    for positions in by_user.values():
        ordered = sorted(positions, key=lambda p: (times[p], p))
        if len(ordered) >= 2:
            placed[ordered[-1]] = "test"
        if len(ordered) >= 3:
            placed[ordered[-2]] = "validation"
    return {name: [row for row, where in zip(rows, placed) if where == name] for name in SPLITS}


def check_fractions(*, test_fraction: float, validation_fraction: float) -> None:
    """Raise :class:`BadInputError` unless both fractions are in [0, 1) and their sum leaves training data."""
    for name, value in (("test_fraction", test_fraction), ("validation_fraction", validation_fraction)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
            raise BadInputError(f"dataset option {name}={value!r} must be in [0, 1)")
    if test_fraction + validation_fraction >= 1.0:
        raise BadInputError(
            f"test_fraction + validation_fraction = {test_fraction + validation_fraction} leaves no training data; "
            "keep their sum below 1"
        )


def random_split(
    rows: Sequence[_Row], *, seed: int, test_fraction: float, validation_fraction: float
) -> dict[str, list[_Row]]:
    """Return a seeded random split of ``rows`` with the given fractions (of all rows)."""
    check_fractions(test_fraction=test_fraction, validation_fraction=validation_fraction)
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    num_test = round(len(rows) * test_fraction)
    num_validation = round(len(rows) * validation_fraction)
    test = sorted(order[:num_test])
    validation = sorted(order[num_test : num_test + num_validation])
    train = sorted(order[num_test + num_validation :])
    return {
        "train": [rows[i] for i in train],
        "validation": [rows[i] for i in validation],
        "test": [rows[i] for i in test],
    }


def split(
    rows: Sequence[_Row],
    users: Sequence[str],
    times: Sequence[float],
    *,
    method: str,
    seed: int,
    test_fraction: float,
    validation_fraction: float,
) -> dict[str, list[_Row]]:
    """Split with ``method`` (``leave-last-out`` or ``random``).

    :raises BadInputError: for an unknown method or bad fractions.
    """
    # the fractions act only for a random split, but a value outside their range is refused under every method
    check_fractions(test_fraction=test_fraction, validation_fraction=validation_fraction)
    if method == "leave-last-out":
        return leave_last_out(rows, users, times)
    if method == "random":
        return random_split(rows, seed=seed, test_fraction=test_fraction, validation_fraction=validation_fraction)
    raise BadInputError(f"dataset option split={method!r} must be 'leave-last-out' or 'random'")
