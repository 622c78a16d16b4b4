"""Non-learning and closed-form baselines that the models must beat.

Shared by ``benchmarks/baselines.py`` (which imports it from beside itself) and the plugin's
tests (the ``baselines`` fixture of ``tests/conftest.py`` loads it from this file); it is not
part of the installed ``openzoo_recsys`` package.

* :func:`global_mean_errors` -- predict the training mean for everything.
* :class:`BiasBaseline` -- ``mean + b_u + b_i`` fitted by regularised alternating least
  squares, the algorithm and defaults of Surprise's ``BaselineOnly`` (Koren 2010, sec. 2.1):
  ``reg_u = 15``, ``reg_i = 10``, 10 sweeps.
* :func:`most_popular_ranking` -- rank every unseen item by how many training
  interactions it has (ties broken by item order, so it cannot profit from the
  metrics' tie rule), scored with HR@k and NDCG@k exactly as the builtin metrics score
  a model: the held-out item's rank is the number of unseen items scoring strictly higher.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["BiasBaseline", "global_mean_errors", "most_popular_ranking", "ranking_quality", "rating_errors"]

Example = Mapping[str, Any]


def rating_errors(predictions: Sequence[float], truth: Sequence[float]) -> dict[str, float]:
    """Return ``{"rmse", "mae"}`` of ``predictions`` against ``truth``."""
    if not truth or len(predictions) != len(truth):
        raise ValueError("need as many predictions as true ratings, at least one")
    squared = sum((p - t) ** 2 for p, t in zip(predictions, truth)) / len(truth)
    absolute = sum(abs(p - t) for p, t in zip(predictions, truth)) / len(truth)
    return {"rmse": math.sqrt(squared), "mae": absolute}


def global_mean_errors(train: Sequence[Example], test: Sequence[Example]) -> dict[str, float]:
    """Return RMSE and MAE on ``test`` of predicting the mean training rating."""
    mean = sum(float(e["rating"]) for e in train) / len(train)
    return rating_errors([mean] * len(test), [float(e["rating"]) for e in test])


class BiasBaseline:
    """``mean + b_u + b_i`` by regularised alternating least squares (Surprise ``BaselineOnly``)."""

    def __init__(self, reg_users: float = 15.0, reg_items: float = 10.0, sweeps: int = 10) -> None:
        self.reg_users = reg_users
        self.reg_items = reg_items
        self.sweeps = sweeps
        self.mean = 0.0
        self.user_bias: dict[str, float] = {}
        self.item_bias: dict[str, float] = {}
        self.low, self.high = -math.inf, math.inf

    def fit(self, train: Sequence[Example]) -> BiasBaseline:
        """Fit the biases on ``train``; returns ``self``."""
        rows = [(str(e["user"]), str(e["item"]), float(e["rating"])) for e in train]
        self.mean = sum(r for _, _, r in rows) / len(rows)
        self.low, self.high = min(r for _, _, r in rows), max(r for _, _, r in rows)
        by_user: dict[str, list[tuple[str, float]]] = defaultdict(list)
        by_item: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for user, item, rating in rows:
            by_user[user].append((item, rating))
            by_item[item].append((user, rating))
        self.user_bias = dict.fromkeys(by_user, 0.0)
        self.item_bias = dict.fromkeys(by_item, 0.0)
        for _ in range(self.sweeps):
            for item, rated in by_item.items():
                total = sum(r - self.mean - self.user_bias[u] for u, r in rated)
                self.item_bias[item] = total / (self.reg_items + len(rated))
            for user, rated in by_user.items():
                total = sum(r - self.mean - self.item_bias[i] for i, r in rated)
                self.user_bias[user] = total / (self.reg_users + len(rated))
        return self

    def predict(self, user: object, item: object) -> float:
        """Return the predicted rating, clipped to the training range (unknown ids have bias 0)."""
        value = self.mean + self.user_bias.get(str(user), 0.0) + self.item_bias.get(str(item), 0.0)
        return min(max(value, self.low), self.high)

    def errors(self, test: Sequence[Example]) -> dict[str, float]:
        """Return RMSE and MAE on ``test``."""
        return rating_errors([self.predict(e["user"], e["item"]) for e in test], [float(e["rating"]) for e in test])


def ranking_quality(ranks: Sequence[int], k: int) -> dict[str, float]:
    """Return ``{"hr", "ndcg"}`` at ``k`` from 0-based ranks of held-out items (the builtin metrics' formulas)."""
    if not ranks:
        raise ValueError("need at least one rank")
    hits = [r for r in ranks if r < k]
    return {"hr": len(hits) / len(ranks), "ndcg": sum(1.0 / math.log2(r + 2) for r in hits) / len(ranks)}


def most_popular_ranking(
    train: Sequence[Example], test: Sequence[Example], k: int = 10, all_items: Sequence[object] = ()
) -> dict[str, float]:
    """Return HR@k and NDCG@k on ``test`` of ranking each user's unseen items by training popularity.

    ``all_items`` names every rankable item (``info["items"]``); by default the items of train and test.
    """
    counts: dict[str, int] = defaultdict(int)
    seen: dict[str, set[str]] = defaultdict(set)
    for example in train:
        counts[str(example["item"])] += 1
        seen[str(example["user"])].add(str(example["item"]))
    universe = {str(i) for i in all_items} | {str(e["item"]) for e in (*train, *test)}
    items = sorted(universe, key=lambda i: (-counts.get(i, 0), i))
    position = {item: rank for rank, item in enumerate(items)}
    ranks = []
    for example in test:
        user, target = str(example["user"]), str(example["item"])
        # items ordered before the target, minus those the user saw in training
        ahead = position[target] - sum(1 for i in seen[user] if position[i] < position[target])
        ranks.append(ahead)
    return ranking_quality(ranks, k)
