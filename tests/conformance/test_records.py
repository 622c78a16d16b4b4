"""The verdict rules and counts read only the records."""

from __future__ import annotations

from openzoo.conformance.records import CheckRecord, counts, verdict


def _record(status, level="required"):
    return CheckRecord(component="model:m", check=f"check_model_x_{status}", kind="model", level=level, status=status)


def test_a_plugin_for_which_no_check_applied_is_not_green():
    assert verdict([]) == "incomplete"


def test_a_plugin_whose_required_checks_were_all_skipped_is_not_green():
    assert verdict([_record("skipped"), _record("passed", "recommended")]) == "incomplete"


def test_a_failed_recommended_check_does_not_fail_the_verdict():
    assert verdict([_record("passed"), _record("failed", "recommended")]) == "passed"


def test_a_failed_required_check_fails_the_verdict():
    assert verdict([_record("passed"), _record("failed")]) == "failed"


def test_an_xpass_fails_the_verdict_even_for_a_recommended_check():
    assert verdict([_record("passed"), _record("xpass", "recommended")]) == "failed"


def test_counts_separate_waived_skipped_unavailable_and_xpassed_checks():
    records = [
        _record("passed"),
        _record("failed"),
        _record("skipped"),
        _record("unavailable"),
        _record("xfail", "recommended"),
        _record("xpass", "recommended"),
    ]
    assert counts(records) == {
        "applicable": 6,
        "run": 4,
        "passed": 1,
        "failed": 2,
        "skipped": 1,
        "unavailable": 1,
        "waived": 1,
        "xpassed": 1,
    }


def test_a_run_whose_required_checks_are_all_unavailable_is_incomplete_not_passed():
    assert verdict([_record("unavailable"), _record("passed", "recommended")]) == "incomplete"
