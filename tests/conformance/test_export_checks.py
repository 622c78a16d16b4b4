"""The capability ``onnx`` selects a recommended check that the ONNX export round-trips."""

from __future__ import annotations

import pytest

from openzoo.conformance.catalogue import check_id, checks_for
from openzoo.conformance.declaration import info_of
from openzoo.conformance.export_checks import check_model_onnx_export_round_trips

CHECK_ID = "model:bad-onnx::check_model_onnx_export_round_trips(preset=tiny)"


def test_the_onnx_check_is_recommended_so_a_model_may_waive_it():
    assert info_of(check_model_onnx_export_round_trips).level == "recommended"


def test_only_models_declaring_onnx_get_the_check(registry):
    from openzoo.conformance.subjects import ModelSubject

    def ids(name):
        return [
            check_id(c)
            for c in checks_for(ModelSubject(registry.model(name), registry=registry), with_waiver_check=False)
        ]

    assert "check_model_onnx_export_round_trips(preset=tiny)" in ids("bad-onnx")
    assert not any("onnx" in i for i in ids("fix-clf"))


def test_a_forward_that_reads_values_into_python_fails_the_onnx_check(fixture_reports):
    pytest.importorskip("onnxruntime", reason="needs openzoo[onnx] (the dev extra)")
    report = fixture_reports["fixture-bad-onnx"]
    failed = {r.test_id: r for r in report.records if r.status == "failed"}
    assert set(failed) == {CHECK_ID}
    message = failed[CHECK_ID].message
    assert message.startswith("openzoo-fixtures:model:bad-onnx: the forward pass must export to ONNX and match torch")
    assert "batch of 5" in message and "no .item(), .tolist() or numpy in forward" in message
    assert report.verdict == "passed"  # recommended: reported, but the verdict stands
