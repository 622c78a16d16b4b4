"""Expected failures: strict, recommended checks only, and naming existing checks."""

from __future__ import annotations

import dataclasses

from openzoo.conformance import plan, run_planned


def _metric(registry, factory, waivers):
    return dataclasses.replace(registry.metric("fix-accuracy"), factory=factory, expected_failures=waivers)


def test_a_waived_recommended_check_that_fails_is_reported_as_xfail_with_its_reason(registry):
    spec = _metric(
        registry, "ozfix.metrics:float32_only_accuracy", {"check_metric_dtype_invariant": "float32 only by design"}
    )
    records = {r.check: r for r in run_planned(plan([spec], registry=registry))}
    assert records["check_metric_dtype_invariant"].status == "xfail"
    assert records["check_metric_dtype_invariant"].waiver == "float32 only by design"
    assert records["check_plugin_expected_failures_are_valid"].status == "passed"


def test_a_waived_check_that_passes_fails_the_run(registry):
    from openzoo.conformance.records import verdict

    spec = _metric(registry, "ozfix.metrics:fixture_accuracy", {"check_metric_dtype_invariant": "stale waiver"})
    records = run_planned(plan([spec], registry=registry))
    xpass = [r for r in records if r.status == "xpass"]
    assert [r.check for r in xpass] == ["check_metric_dtype_invariant"]
    assert "remove it from expected_failures" in xpass[0].message
    assert verdict(records) == "failed"


def test_a_required_check_cannot_be_waived(registry):
    spec = _metric(registry, "ozfix.metrics:squeezing_accuracy", {"check_metric_streaming_equals_one_shot": "known"})
    records = {r.check: r for r in run_planned(plan([spec], registry=registry))}
    assert records["check_metric_streaming_equals_one_shot"].status == "failed"
    assert records["check_plugin_expected_failures_are_valid"].status == "failed"
    assert "is a required check and cannot be waived" in records["check_plugin_expected_failures_are_valid"].message


def test_a_waiver_naming_no_existing_check_is_an_error(registry):
    spec = _metric(registry, "ozfix.metrics:fixture_accuracy", {"check_metric_is_fast": "typo"})
    records = {r.check: r for r in run_planned(plan([spec], registry=registry))}
    waiver = records["check_plugin_expected_failures_are_valid"]
    assert waiver.status == "failed"
    assert "'check_metric_is_fast' names no check that applies" in waiver.message
