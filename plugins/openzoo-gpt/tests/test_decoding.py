"""Decoding options and stop strings, without a model."""

from __future__ import annotations

import pytest

from openzoo import BadInputError, UnknownNameError
from openzoo_gpt.decoding import DecodingOptions, StopStringFilter, cut_at_stop, parse_decoding_options


def test_unset_options_give_greedy_decoding_with_the_cache():
    opts = parse_decoding_options({"max_new_tokens": None, "seed": None})
    assert opts == DecodingOptions()
    assert not opts.do_sample and opts.use_cache and opts.max_new_tokens == 64


def test_setting_a_sampling_option_turns_sampling_on():
    assert parse_decoding_options({"temperature": 0.7}).do_sample
    assert parse_decoding_options({"top_k": 5}).do_sample
    assert parse_decoding_options({"top_p": 0.9}).do_sample
    assert not parse_decoding_options({"repetition_penalty": 1.3}).do_sample


def test_an_unknown_option_is_named_with_a_suggestion():
    with pytest.raises(UnknownNameError) as info:
        parse_decoding_options({"max_new_token": 3})
    assert "max_new_token" in str(info.value) and "max_new_tokens" in str(info.value)


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"max_new_tokens": 0}, "max_new_tokens=0"),
        ({"max_new_tokens": 2.5}, "of type int"),
        ({"temperature": 0.0}, "temperature=0.0"),
        ({"top_k": -1}, "top_k=-1"),
        ({"top_p": 1.5}, "top_p=1.5"),
        ({"repetition_penalty": 0}, "repetition_penalty=0"),
        ({"do_sample": "yes"}, "of type bool"),
        ({"stop": ""}, "empty string"),
        ({"stop": [1]}, "list of strings"),
        ({"do_sample": False, "temperature": 0.5}, "only apply when sampling"),
    ],
    ids=lambda value: str(value) if isinstance(value, dict) else "",
)
def test_bad_option_values_are_rejected_with_the_option_named(options, words):
    with pytest.raises(BadInputError, match=words.replace("(", r"\(").replace("[", r"\[")):
        parse_decoding_options(options)


def test_neutral_sampling_values_are_accepted_with_greedy_decoding():
    opts = parse_decoding_options({"do_sample": False, "temperature": 1.0, "top_k": 0, "top_p": 1.0})
    assert not opts.do_sample


def test_a_single_stop_string_becomes_a_tuple():
    assert parse_decoding_options({"stop": "\n"}).stop == ("\n",)
    assert parse_decoding_options({"stop": ["a", "bc"]}).stop == ("a", "bc")


def test_cut_at_stop_cuts_before_the_earliest_stop_string():
    assert cut_at_stop("one two. three\nfour", ("\n", ".")) == ("one two", True)
    assert cut_at_stop("no stop here", ("\n",)) == ("no stop here", False)


def test_stream_filter_holds_back_a_possible_stop_string_across_pieces():
    stops = StopStringFilter(("END",))
    emitted = [stops.feed(piece) for piece in ["Hello E", "N", "D world"]]
    assert "".join(emitted) == "Hello "
    assert stops.stopped
    assert stops.feed("more") == "" and stops.flush() == ""


def test_stream_filter_releases_held_text_that_did_not_become_a_stop_string():
    stops = StopStringFilter(("END",))
    emitted = [stops.feed(piece) for piece in ["Hello E", "N", "d"]]
    assert "".join(emitted) + stops.flush() == "Hello ENd"
    assert not stops.stopped
    assert emitted[0] == "Hello "  # "E" was held back until it could not start "END"


def test_stream_filter_without_stop_strings_passes_text_through():
    stops = StopStringFilter(())
    assert [stops.feed(p) for p in ["a", "b"]] == ["a", "b"]
    assert stops.flush() == ""
