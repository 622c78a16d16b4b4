"""The widened views of a test dataset: past 256 classes, or 257 more users and items."""

from __future__ import annotations

from openzoo import SplitSource
from openzoo.conformance.relabelled_data import PAST_SHARED_INTS, past_shared_ints


def _ratings(with_lists: bool) -> SplitSource:
    train = [{"user": "u0", "item": "i0", "rating": 4.0}, {"user": "u1", "item": "i1", "rating": 2.0}]
    info = {"num_users": 2, "num_items": 2}
    if with_lists:
        info |= {"users": ["u0", "u1"], "items": ["i0", "i1"]}
    return SplitSource({"train": train, "test": [{"user": "u0", "item": "i1", "rating": 3.0}]}, info=info)


def test_a_classification_view_has_257_classes_the_source_ones_first_and_the_same_examples():
    source = SplitSource({"train": [{"text": "a", "label": 1}]}, info={"labels": ["neg", "pos"]})
    view = past_shared_ints(source, "text-classification")
    labels = view.info["labels"]
    assert len(labels) == PAST_SHARED_INTS == 257 and labels[:2] == ["neg", "pos"] and len(set(labels)) == 257
    assert list(view.load("train")) == [{"text": "a", "label": 1}]


def test_a_recommendation_view_adds_257_users_and_items_each_with_one_training_rating():
    view = past_shared_ints(_ratings(with_lists=True), "recommendation")
    train = view.load("train")
    assert len(train) == 2 + 257
    assert len({e["user"] for e in train}) == len({e["item"] for e in train}) == 259
    assert all(set(e) == {"user", "item", "rating"} for e in train)
    assert len(view.info["users"]) == len(view.info["items"]) == 259
    assert (view.info["num_users"], view.info["num_items"]) == (259, 259)
    assert set(view.info["users"]) == {e["user"] for e in train}
    assert list(view.load("test")) == [{"user": "u0", "item": "i1", "rating": 3.0}]  # only training grows


def test_a_recommendation_view_without_id_lists_grows_only_the_counts():
    view = past_shared_ints(_ratings(with_lists=False), "recommendation")
    assert "users" not in view.info and (view.info["num_users"], view.info["num_items"]) == (259, 259)
