"""Short training runs beat the baselines a recommender has to beat."""

from __future__ import annotations

import pytest
import torch
from openzoo_recsys.datasets import build_source
from openzoo_recsys.model import MFModel, NCFModel

from openzoo.plugins import load_registry


def _metrics(model, source, names, k=10):
    registry = load_registry()
    model.module.eval()
    batch = model.collate(source.load("test"))
    with torch.no_grad():
        outputs = model.module(**batch)
    values = {}
    for name in names:
        options = {"k": k} if name in ("hr", "ndcg") else {}
        metric = registry.resolve(registry.metric(name))(source.info, **options)
        metric.update(outputs, batch)
        values[name] = float(metric.compute())
    return values


def test_short_mf_run_beats_global_mean_and_bias_baselines_on_toy_ratings(fit_model, baselines):
    registry = load_registry()
    source = registry.resolve(registry.dataset("toy-ratings"))(seed=0, size=2400)
    train, test = source.load("train"), source.load("test")
    torch.manual_seed(0)
    model = MFModel.create(config={"factors": 8, "reg": 0.05, "init_std": 0.1}, dataset=source)
    fit_model(model, train, epochs=20, batch_size=64, lr=0.02)
    measured = _metrics(model, source, ["rmse", "mae"])
    mean = baselines.global_mean_errors(train, test)
    bias = baselines.BiasBaseline().fit(train).errors(test)
    assert measured["rmse"] < bias["rmse"] < mean["rmse"], (measured, bias, mean)
    assert measured["mae"] < bias["mae"], (measured, bias)


def test_short_ncf_run_beats_most_popular_on_planted_personal_tastes(planted_rows, fit_model, baselines):
    source = build_source(
        planted_rows, method="leave-last-out", seed=0, test_fraction=0.1, validation_fraction=0.1, feedback="implicit"
    )
    train, test = source.load("train"), source.load("test")
    torch.manual_seed(0)
    model = NCFModel.create(config={"factors": 4, "mlp_layers": "8,4", "negatives": 4, "init_std": 0.1}, dataset=source)
    fit_model(model, train, epochs=10, batch_size=32, lr=0.01)
    measured = _metrics(model, source, ["hr", "ndcg"], k=5)
    popular = baselines.most_popular_ranking(train, test, k=5, all_items=source.info["items"])
    assert measured["hr"] > popular["hr"] + 0.2, (measured, popular)
    assert measured["ndcg"] > popular["ndcg"], (measured, popular)


@pytest.mark.parametrize("model_class", [MFModel, NCFModel], ids=["mf", "ncf"])
def test_training_lowers_the_loss_on_toy_ratings(model_class, fit_model):
    registry = load_registry()
    source = registry.resolve(registry.dataset("toy-ratings"))(seed=1)
    torch.manual_seed(0)
    model = model_class.create(config={"factors": 4}, dataset=source)
    batch = model.collate(source.load("train"))
    model.module.eval()
    with torch.no_grad():
        before = float(model.module(**batch)["loss"])
    fit_model(model, source.load("train"), epochs=5, batch_size=32, lr=0.02)
    with torch.no_grad():
        after = float(model.module(**batch)["loss"])
    assert after < 0.9 * before, (before, after)
