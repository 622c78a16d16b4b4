"""A seeded, stratified train/validation/test split that both datasets share.

Each class is shuffled with its own stream of one seeded generator and cut at
the same fractions, so every split keeps the class proportions of the whole
and the same seed always gives the same split, on any machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["SPLIT_FRACTIONS", "stratified_split"]

#: Fractions of each class that go to ``train``, ``validation`` and ``test``.
SPLIT_FRACTIONS: dict[str, float] = {"train": 0.70, "validation": 0.15, "test": 0.15}


def stratified_split(labels: Sequence[int], seed: int = 0) -> dict[str, list[int]]:
    """Return the indices of ``labels`` in each split, per :data:`SPLIT_FRACTIONS`.

    Per class, the validation and test shares are rounded to the nearest whole
    example and the rest goes to training, so a class with a single example
    lands in ``train``. Indices inside a split are sorted, which keeps the
    split independent of the order classes are visited in.

    :param labels: class index of every example.
    :param seed: seed of the shuffle; the same seed gives the same split.
    :returns: ``{"train": [...], "validation": [...], "test": [...]}``.
    """
    rng = np.random.default_rng(seed)
    labels_array = np.asarray(labels, dtype=np.int64)
    result: dict[str, list[int]] = {name: [] for name in SPLIT_FRACTIONS}
    for label in np.unique(labels_array):
        members = np.flatnonzero(labels_array == label)
        rng.shuffle(members)
        n = len(members)
        n_validation = round(n * SPLIT_FRACTIONS["validation"])
        n_test = round(n * SPLIT_FRACTIONS["test"])
        if n_validation + n_test >= n:  # keep at least one training example per class
            n_validation = n_test = 0
        n_train = n - n_validation - n_test
        result["train"].extend(members[:n_train].tolist())
        result["validation"].extend(members[n_train : n_train + n_validation].tolist())
        result["test"].extend(members[n_train + n_validation :].tolist())
    return {name: sorted(indices) for name, indices in result.items()}
