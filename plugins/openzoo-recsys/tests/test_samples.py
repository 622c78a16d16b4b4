"""The broken ratings files the conformance suite must see refused, and what the duplicate policies keep."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from openzoo_recsys.datasets import load_ratings
from openzoo_recsys.plugin import openzoo_datasets
from openzoo_recsys.samples import write_malformed_ratings_samples

from openzoo import BadInputError

_DUPLICATE = "a user rating the same item twice"


def _case_names() -> list[str]:
    with tempfile.TemporaryDirectory() as directory:
        return list(write_malformed_ratings_samples(Path(directory)))


def test_the_ratings_dataset_declares_its_malformed_samples():
    (spec,) = (spec for spec in openzoo_datasets() if spec.name == "ratings")
    assert spec.malformed_samples == "openzoo_recsys.samples:write_malformed_ratings_samples"


@pytest.mark.parametrize("case", _case_names())
def test_each_malformed_sample_is_refused_with_its_words(tmp_path, case):
    options, words = write_malformed_ratings_samples(tmp_path)[case]
    with pytest.raises(BadInputError) as refused:
        load_ratings(**options)
    assert words in str(refused.value)


@pytest.mark.parametrize(("policy", "kept"), [("last", 0.5), ("mean", 2.75)])
def test_the_duplicate_case_loads_under_the_other_policies_keeping_what_each_says(tmp_path, policy, kept):
    options, _ = write_malformed_ratings_samples(tmp_path)[_DUPLICATE]
    source = load_ratings(**options, duplicates=policy)
    everything = [e for split in source.splits() for e in source.load(split)]
    assert len(everything) == 16  # 17 lines, one pair merged
    assert [e["rating"] for e in everything if (e["user"], e["item"]) == ("2", "20")] == [kept]


def test_the_malformed_samples_are_the_same_bytes_on_every_call(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    write_malformed_ratings_samples(first)
    write_malformed_ratings_samples(second)
    assert {p.name: p.read_bytes() for p in first.iterdir()} == {p.name: p.read_bytes() for p in second.iterdir()}
