"""The generated samples the conformance suite checks the datasets on read like the real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from openzoo import BadInputError

from openzoo_bert.movie_reviews import find_ground_truth, load_movie_reviews
from openzoo_bert.samples import (
    sentences,
    write_csv_sample,
    write_jsonl_sample,
    write_malformed_csv_samples,
    write_malformed_jsonl_samples,
    write_malformed_movie_reviews_samples,
    write_movie_reviews_sample,
)
from openzoo_bert.text_files import load_csv, load_jsonl


def _texts(source):
    return [e["text"] for split in source.splits() for e in source.load(split)]


def test_the_movie_reviews_sample_drops_its_neutral_and_repeated_sentences(tmp_path):
    options = write_movie_reviews_sample(tmp_path)
    assert options == {"path": str(tmp_path / "vaderSentiment-3.3.2.tar.gz")}
    lines = find_ground_truth(options["path"]).decode("utf-8").split("\r\n")
    assert len(lines) == 52 and lines[-1] == ""  # 48 rated sentences, a neutral one, a repeat, a blank line
    # the rows a reader skips stand among the rated ones, so one that stops at the first skip loads fewer
    assert lines[10].split("\t")[1] == "0.0000"
    assert lines[20].split("\t")[2] == lines[0].split("\t")[2]
    assert lines[30] == ""
    source = load_movie_reviews(**options)
    assert sorted(_texts(source)) == sorted(text for text, _ in sentences())
    labels = {e["text"]: e["label"] for split in source.splits() for e in source.load(split)}
    assert labels == dict(sentences())  # the rating column, not the id, decides the class


def test_the_movie_reviews_sample_is_the_same_bytes_every_time(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    assert (
        Path(write_movie_reviews_sample(first)["path"]).read_bytes()
        == Path(write_movie_reviews_sample(second)["path"]).read_bytes()
    )


def test_the_csv_and_jsonl_samples_load_both_classes_into_three_splits(tmp_path):
    for write, load in ((write_csv_sample, load_csv), (write_jsonl_sample, load_jsonl)):
        directory = tmp_path / write.__name__
        directory.mkdir()
        source = load(**write(directory))
        assert source.info["labels"] == ["negative", "positive"]
        assert {e["label"] for e in source.load("test")} == {0, 1}
        assert len(_texts(source)) == 48


def test_every_malformed_csv_and_jsonl_sample_is_refused_naming_its_problem(tmp_path):
    for write, load in ((write_malformed_csv_samples, load_csv), (write_malformed_jsonl_samples, load_jsonl)):
        directory = tmp_path / write.__name__
        directory.mkdir()
        cases = write(directory)
        assert any("blank" in case for case in cases)
        for case, (options, words) in cases.items():
            with pytest.raises(BadInputError) as caught:
                source = load(**options)
                [source.load(split) for split in source.splits()]
            assert words in str(caught.value), case


def test_every_malformed_movie_reviews_sample_is_refused_naming_its_problem(tmp_path):
    cases = write_malformed_movie_reviews_samples(tmp_path)
    assert len(cases) == 2
    for case, (options, words) in cases.items():
        with pytest.raises(BadInputError) as caught:
            load_movie_reviews(**options)
        assert words in str(caught.value), case
