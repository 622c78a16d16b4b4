"""Recommendation metrics: rating errors (RMSE, MAE) and full-ranking metrics (HR@k, NDCG@k).

Rating errors compare ``outputs["scores"]`` [B] with ``batch["ratings"]`` [B] and
are torchmetrics' ``MeanSquaredError(squared=False)`` and ``MeanAbsoluteError``.

Ranking metrics read ``outputs["ranking_scores"]`` [B, num_items] (the user's
score for every item, items seen in training already ``-inf``) and
``batch["items"]`` [B] (index of the held-out item). They rank over *all* items,
not a sample: the held-out item's rank is the number of items scoring strictly
higher than it. **Tie rule:** items with exactly the held-out item's score do not
push it down (ties are resolved in its favour), so a model that scores every item
the same puts every held-out item at rank 0; models must break ties themselves.
HR@k is the fraction of rows with ``rank < k``; NDCG@k (one relevant item, so the
ideal DCG is 1) is the mean of ``1 / log2(rank + 2)`` over rows with ``rank < k``
and 0 elsewhere. The states are two sums, so memory does not grow with the
number of items or users.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import torch
from torchmetrics.regression import MeanAbsoluteError, MeanSquaredError

from openzoo.builtin.metric_base import TaskMetric, read_tensor
from openzoo.errors import BadInputError

__all__ = ["NDCG", "HitRate", "MeanAbsoluteRatingError", "RootMeanSquaredRatingError"]


def scores_and_ratings(metric: str, outputs: Mapping[str, Any], batch: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """Return predicted scores and true ratings of one batch as float32 (or wider) vectors of equal length."""
    scores = read_tensor(metric, "outputs", outputs, "scores", "float tensor [batch]: predicted ratings")
    ratings = read_tensor(metric, "batch", batch, "ratings", "float tensor [batch]: true ratings")
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.ndim != 1 or ratings.ndim != 1 or scores.shape != ratings.shape:
        raise BadInputError(
            f"metric {metric!r} needs scores [batch] and ratings [batch]; "
            f"got scores {tuple(scores.shape)} and ratings {tuple(ratings.shape)}"
        )
    if not scores.is_floating_point():
        raise BadInputError(f"metric {metric!r} needs float scores, got {scores.dtype}")
    widest = torch.promote_types(torch.promote_types(scores.dtype, ratings.dtype), torch.float32)
    return scores.to(widest), ratings.to(device=scores.device, dtype=widest)


class RootMeanSquaredRatingError(TaskMetric, MeanSquaredError):
    """Root mean squared error of predicted ratings (torchmetrics ``MeanSquaredError(squared=False)``)."""

    metric_name: ClassVar[str] = "rmse"
    higher_is_better: ClassVar[bool] = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(squared=False, **kwargs)

    def update(self, outputs: Mapping[str, Any], batch: Mapping[str, Any]) -> None:  # type: ignore[override]
        """Add one batch of ``outputs["scores"]`` [B] and ``batch["ratings"]`` [B]."""
        scores, ratings = scores_and_ratings(self.metric_name, outputs, batch)
        MeanSquaredError.update(self, scores.to(self.sum_squared_error.device), ratings.to(self.total.device))

    def _count(self) -> torch.Tensor:
        return self.total

    def _value(self) -> torch.Tensor:
        return MeanSquaredError.compute(self)


class MeanAbsoluteRatingError(TaskMetric, MeanAbsoluteError):
    """Mean absolute error of predicted ratings (torchmetrics ``MeanAbsoluteError``)."""

    metric_name: ClassVar[str] = "mae"
    higher_is_better: ClassVar[bool] = False

    def update(self, outputs: Mapping[str, Any], batch: Mapping[str, Any]) -> None:  # type: ignore[override]
        """Add one batch of ``outputs["scores"]`` [B] and ``batch["ratings"]`` [B]."""
        scores, ratings = scores_and_ratings(self.metric_name, outputs, batch)
        MeanAbsoluteError.update(self, scores.to(self.sum_abs_error.device), ratings.to(self.total.device))

    def _count(self) -> torch.Tensor:
        return self.total

    def _value(self) -> torch.Tensor:
        return MeanAbsoluteError.compute(self)


def held_out_ranks(metric: str, outputs: Mapping[str, Any], batch: Mapping[str, Any]) -> torch.Tensor:
    """Return, for each row, how many items score strictly higher than the held-out item."""
    scores = read_tensor(
        metric, "outputs", outputs, "ranking_scores", "float tensor [batch, num_items], seen items -inf"
    )
    items = read_tensor(metric, "batch", batch, "items", "long tensor [batch]: index of the held-out item")
    if scores.ndim != 2 or items.ndim != 1 or scores.shape[0] != items.shape[0]:
        raise BadInputError(
            f"metric {metric!r} needs ranking_scores [batch, num_items] and items [batch]; "
            f"got ranking_scores {tuple(scores.shape)} and items {tuple(items.shape)}"
        )
    if not scores.is_floating_point() or items.is_floating_point():
        raise BadInputError(
            f"metric {metric!r} needs float ranking_scores and integer items; got {scores.dtype} and {items.dtype}"
        )
    num_items = scores.shape[1]
    if items.numel() and (int(items.min()) < 0 or int(items.max()) >= num_items):
        raise BadInputError(
            f"metric {metric!r}: items must index ranking_scores' {num_items} columns; "
            f"got values from {int(items.min())} to {int(items.max())}"
        )
    if torch.isnan(scores).any():
        raise BadInputError(f"metric {metric!r}: ranking_scores contain NaN; use -inf for items that must not rank")
    items = items.long().to(scores.device)
    target = scores.gather(1, items[:, None])
    return (scores > target).sum(dim=1)


class _RankingMetric(TaskMetric):
    """Sum of a per-row gain over rows, divided by the number of rows; subclasses define the gain."""

    higher_is_better: ClassVar[bool] = True

    def __init__(self, k: int = 10, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise BadInputError(f"metric {self.metric_name!r}: k must be a positive integer, got {k!r}")
        #: Length of the ranked list.
        self.k = k
        self.add_state("gain", default=torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("rows", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def _gain(self, ranks: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def update(self, outputs: Mapping[str, Any], batch: Mapping[str, Any]) -> None:
        """Add one batch of ``outputs["ranking_scores"]`` [B, N] and ``batch["items"]`` [B]."""
        ranks = held_out_ranks(self.metric_name, outputs, batch)
        self.gain += self._gain(ranks).sum().to(device=self.gain.device, dtype=self.gain.dtype)
        self.rows += ranks.numel()

    def _count(self) -> torch.Tensor:
        return self.rows

    def _value(self) -> float:
        return float(self.gain) / int(self.rows)


class HitRate(_RankingMetric):
    """HR@k: fraction of rows whose held-out item ranks among the top k of all items."""

    metric_name: ClassVar[str] = "hr"

    def _gain(self, ranks: torch.Tensor) -> torch.Tensor:
        return (ranks < self.k).float()


class NDCG(_RankingMetric):
    """NDCG@k of the single held-out item: ``1 / log2(rank + 2)`` when ``rank < k``, else 0."""

    metric_name: ClassVar[str] = "ndcg"

    def _gain(self, ranks: torch.Tensor) -> torch.Tensor:
        return torch.where(ranks < self.k, 1.0 / torch.log2(ranks.float() + 2.0), torch.zeros((), device=ranks.device))
