"""Reading ratings files: the formats, and errors that name the file and the line."""

from __future__ import annotations

import pytest
from openzoo_recsys.datasets import load_ratings
from openzoo_recsys.ratings_file import read_ratings

from openzoo import BadInputError

UDATA = "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n"
CSV = "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n2,10,4.0,835355493\n"


def test_udata_file_is_read_as_user_item_rating_timestamp(write_file):
    rows = read_ratings(write_file("u.data", UDATA))
    assert [(r.user, r.item, r.rating, r.timestamp, r.line) for r in rows] == [
        ("196", "242", 3.0, 881250949.0, 1),
        ("186", "302", 3.0, 891717742.0, 2),
        ("22", "377", 1.0, 878887116.0, 3),
    ]


def test_movielens_ratings_csv_is_read_through_its_header(write_file):
    rows = read_ratings(write_file("ratings.csv", CSV))
    assert [(r.user, r.item, r.rating, r.line) for r in rows] == [
        ("1", "31", 2.5, 2),
        ("1", "1029", 3.0, 3),
        ("2", "10", 4.0, 4),
    ]


def test_columns_and_delimiter_named_by_options_are_used(write_file):
    text = "stars;who;what\n4;alice;book\n2;bob;film\n"
    rows = read_ratings(write_file("r.txt", text), user_col="who", item_col="what", rating_col="stars", delimiter=";")
    assert [(r.user, r.item, r.rating) for r in rows] == [("alice", "book", 4.0), ("bob", "film", 2.0)]
    assert [r.timestamp for r in rows] == [2.0, 3.0], "without a timestamp column, line order stands for time"


def test_malformed_line_error_names_file_and_line(write_file):
    path = write_file("u.data", "1\t2\t3\t100\n1\t3\n")
    with pytest.raises(BadInputError, match=rf"{path}:2: malformed line .*expected 3 or 4 fields"):
        read_ratings(path)


def test_csv_line_with_too_few_fields_names_file_and_line(write_file):
    path = write_file("ratings.csv", CSV + "3,7\n")
    with pytest.raises(BadInputError, match=rf"{path}:5: malformed line '3,7'"):
        read_ratings(path)


def test_non_numeric_rating_names_file_line_and_value(write_file):
    path = write_file("ratings.csv", "userId,movieId,rating,timestamp\n1,31,2.5,1\n1,32,five,2\n")
    with pytest.raises(BadInputError, match=rf"{path}:3: rating 'five' is not a number"):
        read_ratings(path)


def test_non_finite_rating_is_rejected(write_file):
    path = write_file("u.data", "1\t2\tnan\t1\n")
    with pytest.raises(BadInputError, match=rf"{path}:1: rating 'nan' is not a finite number"):
        read_ratings(path)


def test_duplicate_rating_is_an_error_that_gives_both_lines_and_the_fix(write_file):
    path = write_file("u.data", "1\t2\t3\t10\n1\t5\t4\t11\n1\t2\t5\t12\n")
    with pytest.raises(BadInputError) as caught:
        read_ratings(path)
    message = str(caught.value)
    assert f"{path}:3: duplicate rating of item '2' by user '1' (first at line 1)" in message
    assert "-o duplicates=last" in message and "-o duplicates=mean" in message


def test_duplicates_last_keeps_the_later_line(write_file):
    rows = read_ratings(write_file("u.data", "1\t2\t3\t10\n1\t2\t5\t12\n"), duplicates="last")
    assert [(r.user, r.item, r.rating, r.timestamp) for r in rows] == [("1", "2", 5.0, 12.0)]


def test_duplicates_mean_averages_and_keeps_the_latest_time(write_file):
    rows = read_ratings(write_file("u.data", "1\t2\t3\t10\n1\t2\t4\t12\n"), duplicates="mean")
    assert [(r.rating, r.timestamp) for r in rows] == [(3.5, 12.0)]


def test_header_without_the_named_columns_lists_the_columns_and_the_options(write_file):
    path = write_file("r.csv", "user,item,score\n1,2,3\n")
    with pytest.raises(BadInputError) as caught:
        read_ratings(path)
    message = str(caught.value)
    assert f"{path}:1:" in message and "['user', 'item', 'score']" in message
    assert "-o user_col=<column>" in message and "-o rating_col=<column>" in message


def test_missing_and_empty_files_are_bad_input(write_file, tmp_path):
    with pytest.raises(BadInputError, match="no such ratings file"):
        read_ratings(tmp_path / "absent.csv")
    with pytest.raises(BadInputError, match="is empty"):
        read_ratings(write_file("empty.csv", "\n\n"))


def test_ratings_dataset_without_path_reads_the_bundled_sample():
    source = load_ratings()
    assert source.info["num_users"] == 60 and source.info["num_items"] == 45
    assert len(source.load("test")) == 60, "leave-last-out: one test rating per user"
    assert sum(len(source.load(s)) for s in source.splits()) == 767


def test_ratings_dataset_rejects_unknown_options(write_file):
    with pytest.raises(BadInputError, match="no option"):
        load_ratings(path=str(write_file("u.data", UDATA)), colour="red")


def test_ratings_dataset_gives_examples_and_info(write_file):
    source = load_ratings(path=str(write_file("ratings.csv", CSV)))
    assert source.splits() == ("train", "validation", "test")
    assert source.info["users"] == ["1", "2"]
    assert source.info["items"] == ["10", "31", "1029"]
    assert source.info["rating_range"] == [2.5, 4.0]
    assert source.info["feedback"] == "explicit"
    everything = [e for split in source.splits() for e in source.load(split)]
    assert sorted((e["user"], e["item"], e["rating"]) for e in everything) == [
        ("1", "1029", 3.0),
        ("1", "31", 2.5),
        ("2", "10", 4.0),
    ]


def test_implicit_feedback_turns_every_rating_into_an_interaction(write_file):
    source = load_ratings(path=str(write_file("ratings.csv", CSV)), feedback="implicit")
    assert {e["rating"] for split in source.splits() for e in source.load(split)} == {1.0}
    assert source.info["feedback"] == "implicit"
