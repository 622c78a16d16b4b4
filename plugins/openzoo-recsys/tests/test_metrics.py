"""Known-value metric cases: hand-set weights, the builtin rmse/mae/hr/ndcg, values computed by hand."""

from __future__ import annotations

import math

import pytest
import torch
from openzoo_recsys.model import MFModel, NCFModel

from openzoo import SplitSource
from openzoo.plugins import load_registry

# Items w, x, y, z get the affinities below; every user likes them in this order.
AFFINITY = {"w": 1.0, "x": 0.5, "y": -0.5, "z": 0.25}
TRAIN = [("a", "w", 4.0), ("a", "x", 2.0), ("b", "x", 5.0), ("c", "y", 3.0)]
TEST = [("a", "y", 3.0), ("b", "w", 1.0), ("c", "z", 5.0)]
# Unseen items by predicted score: a: z > y (y ranks 1); b: w > z > y (w ranks 0); c: w > x > z (z ranks 2).
RANKS = [1, 0, 2]
# Predicted ratings 3 + affinity: y 2.5, w 4.0, z 3.25 against 3, 1, 5.
ERRORS = [-0.5, 3.0, -1.75]


def _examples(rows):
    return [{"user": u, "item": i, "rating": r} for u, i, r in rows]


@pytest.fixture
def source() -> SplitSource:
    info = {"users": ["a", "b", "c"], "items": ["w", "x", "y", "z"], "rating_range": [1.0, 5.0]}
    return SplitSource({"train": _examples(TRAIN), "test": _examples(TEST)}, info=info)


def _hand_set_mf(source):
    model = MFModel.create(config={"factors": 1}, dataset=source)
    module = model.module
    with torch.no_grad():
        module.global_mean.fill_(3.0)
        module.user_bias.weight.zero_()
        module.item_bias.weight.zero_()
        module.user_factors.weight.fill_(1.0)
        for item, value in AFFINITY.items():
            module.item_factors.weight[model.items.index(item)] = value
    return model


def _hand_set_ncf(source):
    model = NCFModel.create(config={"factors": 1, "mlp_layers": "2,2"}, dataset=source)
    module = model.module
    with torch.no_grad():
        module.gmf_users.weight.fill_(1.0)
        for item, value in AFFINITY.items():
            module.gmf_items.weight[model.items.index(item)] = value
        module.predict_layer.weight.copy_(torch.tensor([[1.0, 0.0, 0.0]]))  # the GMF part only
        module.predict_layer.bias.zero_()
    return model


def _evaluate(model, source, metrics):
    registry = load_registry()
    model.module.eval()
    batch = model.collate(source.load("test"))
    with torch.no_grad():
        outputs = model.module(**batch)
    values = {}
    for name, options in metrics:
        metric = registry.resolve(registry.metric(name))(source.info, **options)
        metric.update(outputs, batch)
        values[(name, options.get("k"))] = float(metric.compute())
    return values


def _expected_ranking(k):
    hits = [r for r in RANKS if r < k]
    return len(hits) / len(RANKS), sum(1 / math.log2(r + 2) for r in hits) / len(RANKS)


@pytest.mark.parametrize("build", [_hand_set_mf, _hand_set_ncf], ids=["mf", "ncf"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_hit_rate_and_ndcg_match_hand_computed_ranks(source, build, k):
    values = _evaluate(build(source), source, [("hr", {"k": k}), ("ndcg", {"k": k})])
    hr, ndcg = _expected_ranking(k)
    assert values[("hr", k)] == pytest.approx(hr)
    assert values[("ndcg", k)] == pytest.approx(ndcg)


def test_rmse_and_mae_match_hand_computed_errors(source):
    values = _evaluate(_hand_set_mf(source), source, [("rmse", {}), ("mae", {})])
    assert values[("rmse", None)] == pytest.approx(math.sqrt(sum(e * e for e in ERRORS) / 3))
    assert values[("mae", None)] == pytest.approx(sum(abs(e) for e in ERRORS) / 3)


def test_baseline_helpers_match_hand_computed_values(source, baselines):
    train, test = source.load("train"), source.load("test")
    mean = 14.0 / 4
    assert baselines.global_mean_errors(train, test)["rmse"] == pytest.approx(
        math.sqrt(((mean - 3) ** 2 + (mean - 1) ** 2 + (mean - 5) ** 2) / 3)
    )
    # popularity: x (2) > w, y (1; ties by id) > z (0). a: z behind y -> rank 0; b: w -> 0; c: z behind w, x -> 2.
    quality = baselines.most_popular_ranking(train, test, k=1)
    assert quality == {"hr": pytest.approx(2 / 3), "ndcg": pytest.approx(2 / 3)}
    no_regularisation = baselines.BiasBaseline(reg_users=0.0, reg_items=0.0, sweeps=50).fit(train)
    assert no_regularisation.predict("b", "x") == pytest.approx(5.0, abs=1e-3), "fits an exact rating"
