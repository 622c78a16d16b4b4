"""predict: the top-k unseen items of a user, and what happens to unknown users."""

from __future__ import annotations

import pytest
import torch

from openzoo import BadInputError

MODELS = [pytest.param("tiny_mf", id="mf"), pytest.param("tiny_ncf", id="ncf")]


@pytest.fixture(params=MODELS)
def model(request):
    return request.getfixturevalue(request.param)


def test_predict_returns_k_items_best_first_without_seen_ones(model, planted):
    user = planted.load("test")[0]["user"]
    [record] = model.predict([user], top_k=5)
    assert record["user"] == user
    assert len(record["items"]) == 5
    seen = {e["item"] for e in planted.load("train") if e["user"] == user}
    assert not seen & {entry["item"] for entry in record["items"]}
    scores = [entry["score"] for entry in record["items"]]
    assert scores == sorted(scores, reverse=True)


def test_predict_agrees_with_the_evaluation_ranking(tiny_ncf, planted):
    example = planted.load("test")[0]
    tiny_ncf.module.eval()
    with torch.no_grad():
        ranking = tiny_ncf.module(**tiny_ncf.collate([example]))["ranking_scores"][0]
    best = [tiny_ncf.items.id(i) for i in torch.topk(ranking, 3).indices.tolist()]
    assert [entry["item"] for entry in tiny_ncf.predict([example["user"]], top_k=3)[0]["items"]] == best


def test_predict_gives_fewer_items_when_the_user_has_seen_almost_all(model, planted):
    user = planted.load("train")[0]["user"]
    seen = {e["item"] for e in planted.load("train") if e["user"] == user}
    [record] = model.predict([user], top_k=1000)
    assert len(record["items"]) == len(model.items) - len(seen)


def test_unknown_user_is_bad_input_that_names_the_user(model):
    with pytest.raises(BadInputError, match="unknown user 'stranger'"):
        model.predict(["stranger"])


def test_unknown_user_gets_the_most_popular_items_with_the_popular_fallback(model, planted):
    counts: dict[str, int] = {}
    for example in planted.load("train"):
        counts[example["item"]] = counts.get(example["item"], 0) + 1
    known = planted.load("test")[0]["user"]
    stranger, friend = model.predict(["stranger", known], top_k=3, fallback="popular")
    assert [entry["score"] for entry in stranger["items"]] == sorted(counts.values(), reverse=True)[:3]
    assert all(counts[entry["item"]] == entry["score"] for entry in stranger["items"])
    assert friend["items"] == model.predict([known], top_k=3)[0]["items"], "known users are not affected"


@pytest.mark.parametrize("options", [{"top_k": 0}, {"top_k": "3"}, {"fallback": "random"}, {"top": 3}], ids=str)
def test_bad_predict_options_are_bad_input(model, planted, options):
    with pytest.raises(BadInputError):
        model.predict([planted.load("test")[0]["user"]], **options)


def test_predict_keeps_the_module_in_training_mode_when_it_was(tiny_mf, planted):
    tiny_mf.module.train()
    tiny_mf.predict([planted.load("test")[0]["user"]])
    assert tiny_mf.module.training


def test_the_former_k_option_is_gone_since_0_3_0(tiny_mf, planted):
    user = planted.load("test")[0]["user"]
    with pytest.raises(BadInputError, match=r"unknown predict option\(s\) \['k'\]"):
        tiny_mf.predict([user], k=3)
