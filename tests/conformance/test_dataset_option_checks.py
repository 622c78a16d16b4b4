"""Dataset options, declared ranges, malformed samples (suite 1.4) and split fractions (1.6): each ``ozrange`` fixture fails exactly its check; the clean one passes.

The fixtures live in ``fixtures/ozrange`` with their own distribution ``openzoo-fixtures-ranges``
(beside the ``ozfix`` one, whose base plugin provides the tasks and test datasets).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openzoo import BadInputError, Option
from openzoo.conformance.declared_range_checks import at_bound_values, inside_values, names_option, try_value
from openzoo.conformance.option_checks import outside_values

from .conftest import FRESH_INTERPRETER_CHECKS

FIXTURES = Path(__file__).parent / "fixtures"

RANGES = {
    line.split("=")[0].strip(): line.split("=")[1].strip()
    for line in (FIXTURES / "openzoo_fixtures_ranges-0.1.0.dist-info" / "entry_points.txt").read_text().splitlines()
    if "=" in line
}

#: plugin -> (the only failing test id, words the message must contain)
PLANTED = {
    "fixture-ranges-bad-shuffled-split": (
        "dataset:bad-shuffled-split::check_dataset_loads_under_every_option_value",
        "(loaded with order='shuffled'): no example may be in both 'train' and 'validation'",
    ),
    "fixture-ranges-bad-unchecked-fraction": (
        "dataset:bad-unchecked-fraction::check_dataset_refuses_option_values_outside_their_bounds",
        "validation=0.5 ([0, 0.5)) was accepted",
    ),
    "fixture-ranges-bad-cache-before-refusal": (
        "dataset:bad-cache-before-refusal::check_dataset_refuses_option_values_outside_their_bounds",
        "sample.tsv.index",
    ),
    "fixture-ranges-bad-narrow-fraction": (
        "dataset:bad-narrow-fraction::check_dataset_accepts_option_values_at_their_bounds",
        "load with validation=0.0 (declared [0, 0.5)) raised BadInputError",
    ),
    "fixture-ranges-bad-narrow-width": (
        "model:bad-narrow-width::check_model_accepts_option_values_at_their_bounds(preset=tiny)",
        "create and a forward pass with hidden=1 (declared >= 1) raised BadInputError",
    ),
    "fixture-ranges-bad-capped-temperature": (
        "model:bad-capped-temperature::check_model_accepts_option_values_at_their_bounds(preset=tiny)",
        "predict with temperature=10.0 (declared (0, 10]) raised BadInputError",
    ),
    "fixture-ranges-bad-unchecked-rows": (
        "dataset:bad-unchecked-rows::check_dataset_refuses_its_malformed_samples",
        "a line without a tab: ValueError: not enough values to unpack",
    ),
    # -- suite 1.6
    "fixture-ranges-bad-swapped-fraction": (
        "dataset:bad-swapped-fraction::check_dataset_split_fractions_move_their_split",
        "test=0.1 gives 'test' 42 and 'train' 6 examples, test=0.2 gives 36 and 12",
    ),
}


@pytest.fixture(scope="module")
def range_reports(registry_beside_base) -> dict:
    from openzoo.conformance import run_conformance

    registry = registry_beside_base(RANGES, "openzoo-fixtures-ranges")
    reports = run_conformance(["fixture-ranges-clean"], registry=registry)
    # each check that starts a fresh interpreter runs on the clean fixture only: the planted defects are elsewhere
    reports += run_conformance(
        [n for n in RANGES if n != "fixture-ranges-clean"], registry=registry, deselect=FRESH_INTERPRETER_CHECKS
    )
    return {report.plugin: report for report in reports}


def test_every_planted_fixture_is_declared():
    assert set(PLANTED) == set(RANGES) - {"fixture-ranges-clean"}


def test_clean_fixture_passes_every_check_including_the_option_and_range_checks(range_reports):
    report = range_reports["fixture-ranges-clean"]
    not_passed = [(r.test_id, r.status, r.message) for r in report.records if r.status != "passed"]
    assert not_passed == []
    ran = {r.check.split("(")[0] for r in report.records}
    assert {
        "check_dataset_loads_under_every_option_value",
        "check_dataset_refuses_option_values_outside_their_bounds",
        "check_dataset_accepts_option_values_at_their_bounds",
        "check_model_accepts_option_values_at_their_bounds",
        "check_dataset_refuses_its_malformed_samples",
        "check_dataset_split_fractions_move_their_split",
    } <= ran


@pytest.mark.parametrize("plugin", sorted(PLANTED), ids=str)
def test_planted_defect_fails_exactly_its_check_naming_the_cause(range_reports, plugin):
    expected_id, cause = PLANTED[plugin]
    report = range_reports[plugin]
    failed = {r.test_id: r for r in report.records if r.status in ("failed", "xpass")}
    assert set(failed) == {expected_id}, {k: v.message for k, v in failed.items()}
    message = failed[expected_id].message
    assert cause in message
    assert message.startswith("openzoo-fixtures-ranges:")
    assert report.verdict == "passed"  # the checks are recommended in suite 1.4 (GOVERNANCE.md)


def test_values_at_the_bounds_are_the_bounds_or_just_inside_open_ones():
    assert at_bound_values(Option("n", "int", None, minimum=2)) == [2]
    assert at_bound_values(Option("n", "int", None, minimum=0, maximum=5, min_open=True)) == [1, 5]
    assert at_bound_values(Option("p", "float", None, minimum=0, maximum=1, max_open=True)) == [0.0, 1 - 1e-6]
    assert at_bound_values(Option("p", "float", None, minimum=0, min_open=True)) == [1e-6]
    assert at_bound_values(Option("sizes", "list[int]", None, minimum=1)) == [[1]]
    assert at_bound_values(Option("sizes", "list[int]", (8, 16), minimum=1)) == [[1, 1]]
    assert at_bound_values(Option("sizes", "list[int]", (8, 16), minimum=1), like=(4, 4, 4)) == [[1, 1, 1]]
    assert at_bound_values(Option("name", "str", None)) == []


def test_values_inside_a_range_lie_half_way_between_the_default_and_each_bound():
    assert inside_values(Option("f", "float", 0.1, minimum=0, maximum=0.5, max_open=True)) == [0.05, 0.3]
    assert inside_values(Option("n", "int", 512, minimum=1)) == [256]
    assert inside_values(Option("n", "int", None, minimum=1)) == [2]
    assert inside_values(Option("n", "int", 0, minimum=0)) == []  # the default sits on the bound
    assert inside_values(Option("seed", "int", 0)) == []


def test_values_at_and_outside_a_bound_are_on_either_side_of_it():
    option = Option("p", "float", None, minimum=0, maximum=1, max_open=True)
    for inside, outside in zip(at_bound_values(option), outside_values(option)):
        assert option.in_range(inside) and not option.in_range(outside)


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        # an open bound: the bound itself, then a tenth of the range past it; 0 is inside, -1 is not
        (Option("p", "float", None, minimum=0, maximum=0.5, max_open=True), [-5e-324, -0.05, 0.5, 0.55, -1.0]),
        # one bound: a tenth of its size (at least one step) past the next integer; then 0 and -1
        (Option("v", "int", None, minimum=50), [49, 44, 0, -1]),
        (Option("k", "int", None, minimum=1), [0, -1]),
        (Option("t", "float", None, minimum=0, min_open=True), [0.0, -0.1, -1.0]),
        (Option("m", "int", None, minimum=-5, maximum=5), [-6, -7, 6, 7]),
        (Option("l", "list[int]", None, minimum=1, maximum=10), [[0], [-1], [11], [12]]),
        (Option("free", "int", None), []),
    ],
)
def test_values_outside_reach_past_the_nearest_one(option, expected):
    values = outside_values(option)
    assert values == expected
    assert not any(option.in_range(value) for value in values)


def test_an_option_is_named_as_a_whole_identifier():
    assert names_option("options validation=0.4 and test=0.3 hold out too much", "test")
    assert not names_option("option test_fraction=2 must be below 1", "test")
    assert names_option("n_embd=1 must be divisible by n_head", "n_head")


def test_a_refusal_naming_another_option_is_retried_with_that_option_adjusted():
    width = Option("width", "int", None, minimum=1)
    heads = Option("heads", "int", None, minimum=1)

    def build(options: dict) -> None:
        config = {"width": 8, "heads": 4, **options}
        if config["width"] % config["heads"]:
            raise BadInputError(f"option width={config['width']} must be divisible by heads={config['heads']}")

    assert try_value(build, width, 1, (width, heads), "create").problem is None


def test_a_refusal_no_adjustment_satisfies_leaves_the_value_unjudged():
    low, high = Option("low", "int", 0, minimum=0), Option("high", "int", 5, minimum=5, maximum=5)

    def build(options: dict) -> None:
        raise BadInputError(f"option low={options['low']} conflicts with high")

    outcome = try_value(build, low, 0, (low, high), "create")
    assert outcome.problem is None and "refused for high" in outcome.conflict


def test_a_refusal_naming_only_the_probed_option_or_a_crash_is_a_problem():
    width = Option("width", "int", None, minimum=1)

    def refuse(options: dict) -> None:
        raise BadInputError(f"option width={options['width']} must be at least 2")

    def crash(options: dict) -> None:
        raise RuntimeError("shape mismatch")

    assert (
        "raised BadInputError: option width=1 must be at least 2"
        in try_value(refuse, width, 1, (width,), "create").problem
    )
    assert "raised RuntimeError: shape mismatch" in try_value(crash, width, 1, (width,), "create").problem


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_a_failed_recommended_check_fails_the_run_only_under_strict(registry_beside_base, strict: bool):
    from click.testing import CliRunner

    from openzoo.cli.conformance import conformance

    registry = registry_beside_base(RANGES, "openzoo-fixtures-ranges")
    check, _ = PLANTED["fixture-ranges-bad-unchecked-fraction"]
    args = ["fixture-ranges-bad-unchecked-fraction", "--json", "-q"] + ["--strict"] * strict
    result = CliRunner().invoke(conformance, args, obj={"registry": registry})
    document = json.loads(result.stdout)
    failed = [(c["id"], c["level"]) for c in document["plugins"][0]["checks"] if c["outcome"] == "failed"]
    assert failed == [(check.split("::")[1], "recommended")] and document["verdict"] == "passed"
    assert document["selection"]["strict"] is strict
    assert result.exit_code == (1 if strict else 0), result.output
    assert ("strict: 1 recommended check(s) failed" in result.stderr) is strict
