"""rmse and mae agree with scikit-learn; hr and ndcg rank over all items with the documented tie rule."""

from __future__ import annotations

import math

import pytest
import torch
from sklearn.metrics import mean_absolute_error, mean_squared_error

from openzoo.builtin import metrics
from openzoo.errors import BadInputError

INF = math.inf
#: Four users, six items. Row 0: the held-out item 2 has two items strictly above it (rank 2)
#: and one tied with it. Row 1: item 0 is the best (rank 0). Row 2: item 5 ties with every
#: other finite item (rank 0: ties do not push it down). Row 3: item 1 is last of five
#: finite items, two items are seen (-inf) and do not count (rank 3).
SCORES = torch.tensor(
    [
        [0.9, 0.1, 0.5, 0.7, 0.5, 0.2],
        [3.0, 2.0, 1.0, 0.0, -1.0, -2.0],
        [1.0, 1.0, -INF, 1.0, 1.0, 1.0],
        [0.8, 0.1, 0.6, -INF, 0.4, -INF],
    ]
)
ITEMS = torch.tensor([2, 0, 5, 1])
RANKS = [2, 0, 0, 3]


def ranking_value(factory, k, scores=SCORES, items=ITEMS):
    metric = factory({}, k=k)
    metric.update({"ranking_scores": scores}, {"items": items})
    return metric.compute()


@pytest.mark.parametrize("k", [1, 2, 3, 4, 10], ids=lambda k: f"k{k}")
def test_hit_rate_matches_hand_computed_ranks(k):
    expected = sum(rank < k for rank in RANKS) / len(RANKS)
    assert ranking_value(metrics.hit_rate, k) == pytest.approx(expected)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 10], ids=lambda k: f"k{k}")
def test_ndcg_matches_hand_computed_ranks(k):
    expected = sum(1 / math.log2(rank + 2) for rank in RANKS if rank < k) / len(RANKS)
    assert ranking_value(metrics.ndcg, k) == pytest.approx(expected, rel=1e-6)


def test_hand_computed_values_at_k_three():
    assert ranking_value(metrics.hit_rate, 3) == pytest.approx(0.75)
    assert ranking_value(metrics.ndcg, 3) == pytest.approx((0.5 + 1 + 1) / 4, rel=1e-6)


def test_default_k_is_ten():
    scores = torch.arange(20.0).flip(0).repeat(2, 1)  # item i has rank i
    items = torch.tensor([9, 10])
    metric = metrics.hit_rate({})
    metric.update({"ranking_scores": scores}, {"items": items})
    assert metric.compute() == 0.5


@pytest.mark.parametrize("k", [0, -3, 2.5, True, "5"], ids=["zero", "negative", "float", "bool", "str"])
def test_k_must_be_a_positive_integer(k):
    with pytest.raises(BadInputError, match="k must be a positive integer"):
        metrics.ndcg({}, k=k)


def test_nan_scores_are_bad_input():
    scores = SCORES.clone()
    scores[1, 3] = math.nan
    with pytest.raises(BadInputError, match="NaN"):
        ranking_value(metrics.hit_rate, 3, scores=scores)


def test_held_out_item_outside_the_item_columns_is_bad_input():
    with pytest.raises(BadInputError, match="6 columns"):
        ranking_value(metrics.ndcg, 3, items=torch.tensor([2, 0, 6, 1]))


def test_missing_ranking_scores_name_the_key_the_model_must_return():
    metric = metrics.hit_rate({})
    with pytest.raises(BadInputError, match=r"outputs\['ranking_scores'\]"):
        metric.update({"scores": torch.ones(4)}, {"items": ITEMS})


def random_ratings(seed: int, n: int = 37):
    g = torch.Generator().manual_seed(seed)
    return 1 + 4 * torch.rand(n, generator=g), torch.randint(2, 11, (n,), generator=g).float() / 2


@pytest.mark.parametrize("seed", [0, 1])
def test_rmse_equals_sklearn_root_mean_squared_error(seed):
    scores, ratings = random_ratings(seed)
    metric = metrics.rmse({})
    metric.update({"scores": scores}, {"ratings": ratings})
    expected = math.sqrt(mean_squared_error(ratings.numpy(), scores.numpy()))
    assert metric.compute() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("seed", [0, 1])
def test_mae_equals_sklearn_mean_absolute_error(seed):
    scores, ratings = random_ratings(seed)
    metric = metrics.mae({})
    metric.update({"scores": scores}, {"ratings": ratings})
    assert metric.compute() == pytest.approx(mean_absolute_error(ratings.numpy(), scores.numpy()), rel=1e-6)


def test_scores_with_a_trailing_unit_dimension_are_accepted():
    scores, ratings = random_ratings(2)
    flat, column = metrics.rmse({}), metrics.rmse({})
    flat.update({"scores": scores}, {"ratings": ratings})
    column.update({"scores": scores[:, None]}, {"ratings": ratings})
    assert column.compute() == flat.compute()


def test_scores_and_ratings_of_different_lengths_are_bad_input():
    scores, ratings = random_ratings(0)
    with pytest.raises(BadInputError, match=r"scores \(37,\) and ratings \(36,\)"):
        metrics.mae({}).update({"scores": scores}, {"ratings": ratings[:36]})
