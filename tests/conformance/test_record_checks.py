"""The recorded-behaviour check and ``openzoo conformance record``.

The ``ozrec`` fixtures ship ``conformance-record.json`` (written by ``ozrec/make_record.py``): the
clean plugin does what it records, the changed one retuned a constant under the recorded version,
the stale one ships the record of an older version, the restated one names another class range in
its refusal of a label than the one it recorded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from openzoo.cli.conformance import conformance
from openzoo.conformance.behaviour_record import (
    ABSOLUTE_TOLERANCE,
    RELATIVE_TOLERANCE,
    differences,
    read_record,
    refusal,
    stated_numbers,
)
from openzoo.errors import BadInputError

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = {
    line.split("=")[0].strip(): line.split("=")[1].strip()
    for line in (FIXTURES / "openzoo_fixtures_recorded-0.1.0.dist-info" / "entry_points.txt").read_text().splitlines()
    if "=" in line
}
CHECK = "check_plugin_behaviour_matches_its_record"


@pytest.fixture(scope="module")
def recorded_registry(fixture_path, registry_beside_base):
    return registry_beside_base(RECORDED, "openzoo-fixtures-recorded")


@pytest.fixture(scope="module")
def recorded_reports(recorded_registry) -> dict:
    from openzoo.conformance import run_conformance

    return {
        report.plugin: report
        for report in run_conformance(
            list(RECORDED), registry=recorded_registry, deselect=["check_model_seed_gives_same_weights*"]
        )
    }


def _failed(report) -> dict:
    return {r.test_id: r.message for r in report.records if r.status in ("failed", "xpass")}


def test_the_plugin_that_does_what_it_recorded_passes_every_check(recorded_reports):
    report = recorded_reports["fixture-recorded-clean"]
    assert _failed(report) == {}
    assert [r.status for r in report.records if r.check == CHECK] == ["passed"]


def test_a_change_under_the_recorded_version_fails_exactly_the_record_check_naming_what_moved(recorded_reports):
    failed = _failed(recorded_reports["fixture-recorded-bad-unannounced-change"])
    assert set(failed) == {f"plugin:fixture-recorded-bad-unannounced-change::{CHECK}"}
    message = next(iter(failed.values()))
    assert "version 0.1.0 must behave as its record says" in message
    assert "model:changed-clf.preset=tiny.loss:" in message  # the loss moved, and the message says from what to what
    assert "bump it, add a CHANGELOG entry and run openzoo conformance record openzoo-fixtures-recorded" in message
    assert recorded_reports["fixture-recorded-bad-unannounced-change"].verdict == "passed"  # recommended in 1.7


def test_a_record_of_another_version_fails_before_anything_is_observed(recorded_reports):
    failed = _failed(recorded_reports["fixture-recorded-bad-stale-record"])
    assert set(failed) == {f"plugin:fixture-recorded-bad-stale-record::{CHECK}"}
    assert "a record of version '0.0.9', version '0.1.0' installed" in next(iter(failed.values()))


def test_a_number_a_refusal_states_that_moved_under_the_recorded_version_fails_the_record_check(recorded_reports):
    failed = _failed(recorded_reports["fixture-recorded-bad-restated-refusal"])
    assert set(failed) == {f"plugin:fixture-recorded-bad-restated-refusal::{CHECK}"}
    message = next(iter(failed.values()))
    # each refusal of a label names the range 0..2 now; the answers and losses did not move
    assert "got 3 difference(s)" in message
    assert "model:restated-clf.preset=tiny.collate_refusals.label -1.facts[2]: 1 -> 2" in message
    assert "collate_refusals.label 2 (the dataset has 2 classes, 0..1).facts[1]: 1 -> 2" in message
    assert "collate_refusals.label None.facts[1]: 1 -> 2" in message
    assert ".loss:" not in message and ".predict:" not in message


def test_a_refusal_states_its_whole_numbers_without_paths_addresses_or_digits_of_words():
    assert stated_numbers("/tmp/tmp3x9/run-2/ratings.csv:7: expected 4 fields, found 3") == [3, 4, 7]
    assert stated_numbers(r"C:\data9\u.data:12: bad") == [12]
    assert stated_numbers("labels are class indices 0..1 into ['neg', 'pos']") == [0, 1]
    assert stated_numbers("not a gzip, bz2 or fp16 file at 0x7f3a9c; item i31; a hub id like org/model-7b") == []
    assert stated_numbers("line 10, column 2; line 3") == [2, 3, 10]  # in order of value: hash-ordered lists agree
    assert refusal(BadInputError("line 3: expected 4 fields")) == {"error": "BadInputError", "facts": [3, 4]}
    # another library's words are not the plugin's: only the type is kept
    assert refusal(ValueError("invalid literal at 0x1 line 3"), "refused") == {"refused": "ValueError"}


def test_a_record_made_before_an_observation_existed_is_not_judged_on_it():
    before = {"load": {"error": "BadInputError"}, "predict": [1]}
    after = {
        "load": {"error": "BadInputError", "facts": [3]},
        "predict": [1],
        "collate_refusals": {"label -1": {"error": "BadInputError", "facts": [0, 1]}},
        "predict_unusual_variants": {"fallback=popular": {}},
        "predict_inside": {"top_k=2": [1]},
        "bound variants": {"test=0.0": {"error": "BadInputError", "facts": []}},
    }
    assert differences(before, after) == []
    # a record that holds the facts is judged on them
    assert differences({"load": {"error": "BadInputError", "facts": [3]}}, {"load": {"error": "x"}}) == [
        "load.error: 'BadInputError' -> 'x'",
        "load.facts: recorded, no longer observed",
    ]


def test_the_record_loads_the_sample_with_each_unset_option_at_its_declared_bounds(registry_beside_base):
    from openzoo.conformance.behaviour_record import observe
    from openzoo.conformance.subjects import PluginSubject

    registry = registry_beside_base({"fixture-ranges-clean": "ozrange.clean"}, "openzoo-fixtures-ranges")
    [record] = [r for r in registry.plugins if r.name == "fixture-ranges-clean"]
    dataset = observe(PluginSubject(record, registry=registry))["components"]["dataset:ranged-reviews"]
    bounds = dataset["bound variants"]
    # [0, 0.5) for each fraction: nothing held out at 0, the most just under 0.5 (the other at its default 0.2)
    assert set(bounds) == {"validation=0.0", "validation=0.499999", "test=0.0", "test=0.499999"}
    assert bounds["validation=0.0"]["train"]["count"] > dataset["load"]["train"]["count"]
    assert bounds["test=0.499999"]["test"]["count"] > dataset["load"]["test"]["count"]


def test_a_plugin_without_a_record_is_not_asked_for_one(fixture_path, registry_beside_base):
    from openzoo.conformance import plan

    registry = registry_beside_base({"fixture-more-clean": "ozmore.clean"}, "openzoo-fixtures-more")
    names = {p.info.name for p in plan("fixture-more-clean", registry=registry)}
    assert "check_plugin_leaves_process_state_unchanged" in names
    assert CHECK not in names


def test_floats_agree_within_the_tolerance_and_everything_else_exactly():
    assert differences({"a": 1.0}, {"a": 1.0 + RELATIVE_TOLERANCE / 2}) == []
    assert differences({"a": 0.0}, {"a": ABSOLUTE_TOLERANCE / 2}) == []
    assert differences({"a": 1.0}, {"a": 1.001}) == ["a: 1.0 -> 1.001"]
    assert differences({"n": 3}, {"n": 4}) == ["n: 3 -> 4"]
    assert differences({"flag": True}, {"flag": 1}) == ["flag: true -> 1"]  # a bool is not a number here
    assert differences({"label": "pos"}, {"label": "neg"}) == ["label: 'pos' -> 'neg'"]
    assert differences({"v": [1.0, 2.0]}, {"v": [1.0]}) == ["v: 2 values -> 1"]
    assert differences({"v": [1.0, 2.0]}, {"v": [1.0, 2.5]}) == ["v[1]: 2.0 -> 2.5"]
    assert differences({"old": 1}, {"new": 1}) == [
        "new: observed, not in the record",
        "old: recorded, no longer observed",
    ]


def _invoke(registry, args):
    return CliRunner().invoke(conformance, ["record", *args], obj={"registry": registry})


def test_record_writes_an_entry_and_reports_no_change_the_second_time(recorded_registry, tmp_path):
    target = tmp_path / "record.json"
    first = _invoke(recorded_registry, ["fixture-recorded-clean", "--output", str(target)])
    assert first.exit_code == 0, first.output
    assert "recorded openzoo-fixtures-recorded 0.1.0 (2 components)" in first.output
    entry = read_record(target)["plugins"]["fixture-recorded-clean"]
    assert entry["version"] == "0.1.0"
    assert set(entry["components"]) == {"model:recorded-clf", "dataset:recorded-reviews"}
    shipped = read_record(FIXTURES / "ozrec" / "conformance-record.json")["plugins"]["fixture-recorded-clean"]
    assert differences(shipped["components"], entry["components"]) == []
    second = _invoke(recorded_registry, ["fixture-recorded-clean", "--output", str(target)])
    assert second.exit_code == 0 and "no behaviour changed since the previous record" in second.output


def test_record_lists_what_changed_since_the_previous_record(recorded_registry, tmp_path):
    target = tmp_path / "record.json"
    shipped = read_record(FIXTURES / "ozrec" / "conformance-record.json")
    entry = shipped["plugins"]["fixture-recorded-bad-unannounced-change"]
    target.write_text(json.dumps({"format": 1, "plugins": {"fixture-recorded-bad-unannounced-change": entry}}))
    result = _invoke(recorded_registry, ["fixture-recorded-bad-unannounced-change", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "changed: model:changed-clf.preset=tiny.loss:" in result.output


def test_record_keeps_the_other_plugins_entries(recorded_registry, tmp_path):
    target = tmp_path / "record.json"
    target.write_text(json.dumps({"format": 1, "plugins": {"someone-else": {"version": "1.0", "components": {}}}}))
    assert _invoke(recorded_registry, ["fixture-recorded-clean", "--output", str(target)]).exit_code == 0
    assert set(read_record(target)["plugins"]) == {"someone-else", "fixture-recorded-clean"}


@pytest.mark.parametrize("content", ["not json", json.dumps({"format": 1}), json.dumps({"format": 99, "plugins": {}})])
def test_record_refuses_to_overwrite_a_file_that_is_not_a_record_with_exit_2(recorded_registry, tmp_path, content):
    target = tmp_path / "record.json"
    target.write_text(content)
    result = _invoke(recorded_registry, ["fixture-recorded-clean", "--output", str(target)])
    assert result.exit_code == 2
    assert "move it away or fix it" in result.output
    assert target.read_text() == content


def test_record_of_an_unknown_plugin_or_two_plugins_to_one_file_exits_2(recorded_registry, tmp_path):
    assert _invoke(recorded_registry, ["fixture-recorded-clen"]).exit_code == 2
    both = _invoke(recorded_registry, [*RECORDED, "--output", str(tmp_path / "r.json")])
    assert both.exit_code == 2 and "--output takes one plugin" in both.output
    assert not (tmp_path / "r.json").exists()


def test_the_reference_plugins_ship_a_record_of_their_installed_version():
    from importlib.metadata import version

    for dist, package in (
        ("openzoo-gpt", "openzoo_gpt"),
        ("openzoo-bert", "openzoo_bert"),
        ("openzoo-vit", "openzoo_vit"),
        ("openzoo-recsys", "openzoo_recsys"),
    ):
        path = Path(__file__).parents[2] / "plugins" / dist / "src" / package / "conformance-record.json"
        entries = read_record(path)["plugins"]
        assert [entry["version"] for entry in entries.values()] == [version(dist)], dist


def test_the_reference_records_hold_what_suite_1_13_observes():
    """A record made before an observation existed is not judged on it, so a stale reference record would
    silently judge less: each must hold the refusals' numbers and the observations added in suite 1.13."""
    root = Path(__file__).parents[2] / "plugins"
    for dist, package in (("openzoo-bert", "openzoo_bert"), ("openzoo-recsys", "openzoo_recsys")):
        (entry,) = read_record(root / dist / "src" / package / "conformance-record.json")["plugins"].values()
        text = json.dumps(entry)
        assert '"facts"' in text, dist
        for name, component in entry["components"].items():
            for key, observed in component.items():
                if key.startswith("preset="):
                    assert {"predict_inside", "collate_refusals", "predict_unusual"} <= set(observed), (dist, name)
    bert = read_record(root / "openzoo-bert" / "src" / "openzoo_bert" / "conformance-record.json")["plugins"]["bert"]
    assert "top_k=2" in bert["components"]["model:bert"]["preset=tiny"]["predict_inside"]
    recsys = read_record(root / "openzoo-recsys" / "src" / "openzoo_recsys" / "conformance-record.json")["plugins"]
    mf = recsys["recsys"]["components"]["model:mf"]["preset=tiny"]
    assert mf["predict_unusual_variants"]["fallback=popular"]["an unknown user"][0]["items"]
