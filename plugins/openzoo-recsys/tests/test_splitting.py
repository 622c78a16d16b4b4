"""Splits: leave-last-out really holds out each user's latest rating; nothing leaks between splits."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import pytest
from openzoo_recsys.datasets import build_source
from openzoo_recsys.ratings_file import Rating
from openzoo_recsys.splitting import random_split

from openzoo import BadInputError


def _pairs(source, split):
    return {(e["user"], e["item"]) for e in source.load(split)}


def _source(rows, method, **options):
    settings = {"seed": 0, "test_fraction": 0.1, "validation_fraction": 0.1, "feedback": "explicit", **options}
    return build_source(rows, method=method, **settings)


@pytest.mark.parametrize("method", ["leave-last-out", "random"])
def test_no_user_item_pair_is_in_two_splits(planted_rows, method):
    source = _source(planted_rows, method)
    train, validation, test = (_pairs(source, s) for s in ("train", "validation", "test"))
    assert not train & test and not train & validation and not validation & test
    assert len(train) + len(validation) + len(test) == len(planted_rows)


def test_leave_last_out_holds_out_each_users_latest_rating_by_timestamp(planted_rows):
    source = _source(planted_rows, "leave-last-out")
    by_user = defaultdict(list)
    for row in planted_rows:
        by_user[row.user].append(row)
    expected_test = {(u, max(rows, key=lambda r: r.timestamp).item) for u, rows in by_user.items()}
    second = {(u, sorted(rows, key=lambda r: r.timestamp)[-2].item) for u, rows in by_user.items()}
    assert _pairs(source, "test") == expected_test
    assert _pairs(source, "validation") == second
    # the planted timestamps are shuffled against file order, so file order would give other pairs
    last_in_file = {(u, rows[-1].item) for u, rows in by_user.items()}
    assert last_in_file != expected_test


def test_leave_last_out_breaks_timestamp_ties_by_file_order():
    rows = [Rating("a", str(i), 3.0, 5.0, i) for i in range(1, 5)]
    source = _source(rows, "leave-last-out")
    assert _pairs(source, "test") == {("a", "4")} and _pairs(source, "validation") == {("a", "3")}


def test_users_with_one_or_two_ratings_keep_training_data():
    rows = [Rating("solo", "x", 4.0, 1.0, 1), Rating("pair", "x", 4.0, 1.0, 2), Rating("pair", "y", 2.0, 2.0, 3)]
    source = _source(rows, "leave-last-out")
    assert _pairs(source, "train") == {("solo", "x"), ("pair", "x")}
    assert _pairs(source, "test") == {("pair", "y")}
    assert _pairs(source, "validation") == set()


def test_random_split_is_seeded_and_has_the_requested_sizes(planted_rows):
    first = random_split(planted_rows, seed=3, test_fraction=0.2, validation_fraction=0.1)
    again = random_split(planted_rows, seed=3, test_fraction=0.2, validation_fraction=0.1)
    other = random_split(planted_rows, seed=4, test_fraction=0.2, validation_fraction=0.1)
    assert first == again
    assert first["test"] != other["test"]
    assert len(first["test"]) == round(0.2 * len(planted_rows))
    assert len(first["validation"]) == round(0.1 * len(planted_rows))


def test_fractions_that_leave_no_training_data_are_rejected(planted_rows):
    with pytest.raises(BadInputError, match="leaves no training data"):
        random_split(planted_rows, seed=0, test_fraction=0.6, validation_fraction=0.5)


@pytest.mark.parametrize("method", ["leave-last-out", "random"])
@pytest.mark.parametrize(("name", "value"), [("test_fraction", 1.0), ("validation_fraction", -0.1)])
def test_fractions_outside_their_range_are_refused_under_every_split_method(planted_rows, method, name, value):
    with pytest.raises(BadInputError, match=f"{name}={value}"):
        _source(planted_rows, method, **{name: value})


def test_unknown_split_method_is_rejected(planted_rows):
    with pytest.raises(BadInputError, match="split='by-day'"):
        _source(planted_rows, "by-day")


@pytest.mark.parametrize("what", ["rating", "timestamp"])
def test_a_non_finite_rating_or_timestamp_is_a_data_error_naming_the_row(planted_rows, what):
    rows = list(planted_rows)
    bad = rows[7]
    rows[7] = dataclasses.replace(bad, **{what: float("nan")})
    with pytest.raises(BadInputError, match=rf"row {bad.line} \(user '{bad.user}', item '{bad.item}'\): {what} nan"):
        _source(rows, "random")
