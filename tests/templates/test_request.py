"""What `openzoo new` accepts, checked before anything is rendered (openzoo.scaffold.request)."""

from __future__ import annotations

import re

import pytest

from openzoo.errors import BadInputError, UnknownNameError
from openzoo.scaffold import build_request, check_plugin_name


@pytest.mark.parametrize("name", ["a", "my-arch", "gpt2", "x-3d-net", "a" * 40])
def test_valid_plugin_names_are_accepted(name):
    assert check_plugin_name(name) == name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("My_Arch", "for example 'my-arch'"),
        ("my--arch", "single '-'"),
        ("my-arch-", "single '-'"),
        ("3d-net", "starting with a letter"),
        ("a" * 41, "at most 40 characters"),
        ("", "empty"),
        ("openzoo-vit2", "use 'vit2'"),
        ("openzoo", "leave out the 'openzoo-' prefix"),
    ],
)
def test_invalid_plugin_names_say_what_is_wrong(name, expected):
    with pytest.raises(BadInputError, match="plugin name") as info:
        check_plugin_name(name)
    assert expected in str(info.value)


def test_a_misspelled_task_suggests_the_right_one():
    with pytest.raises(UnknownNameError) as info:
        build_request("model", "x", task="text-clasification")
    assert "Did you mean 'text-classification'" in str(info.value)


def test_a_misspelled_kind_suggests_the_right_one():
    with pytest.raises(UnknownNameError, match="Did you mean 'metric'"):
        build_request("model", "x", extra_kinds=["metrik"])


def test_kinds_keep_the_main_kind_first_and_drop_repeats():
    request = build_request("dataset", "x", extra_kinds=["model", "dataset", "Metric"])
    assert request.kinds == ("dataset", "model", "metric")


def test_recommendation_with_the_hf_backend_is_refused():
    with pytest.raises(BadInputError, match="recommendation models use the 'torch' backend"):
        build_request("model", "x", task="recommendation", backend="hf")


def test_a_backend_without_a_model_is_refused():
    with pytest.raises(BadInputError, match="add --kind model"):
        build_request("dataset", "x", task="text-generation", backend="torch")


def test_a_task_for_a_device_only_plugin_is_refused():
    with pytest.raises(BadInputError, match="device backend serves every task"):
        build_request("device", "x", task="text-generation")


def test_licences_are_matched_case_insensitively_and_unknown_ones_suggest_the_closest():
    assert build_request("model", "x", licence="mit").licence == "MIT"
    with pytest.raises(UnknownNameError, match=re.escape("Did you mean 'Apache-2.0'")):
        build_request("model", "x", licence="Apache2.0")


def test_an_invalid_email_is_refused_and_an_empty_one_is_allowed():
    with pytest.raises(BadInputError, match="does not look like an e-mail"):
        build_request("model", "x", author_email="me-at-example")
    assert build_request("model", "x", author_email="").author_email == ""


def test_answers_hold_only_what_was_given_so_the_template_asks_the_rest():
    request = build_request("model", "my-arch", task="text-generation")
    assert request.answers() == {"name": "my-arch", "kinds": ["model"], "task": "text-generation"}
    assert (request.dist, request.package) == ("openzoo-my-arch", "openzoo_my_arch")
