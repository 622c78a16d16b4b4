"""Certified mode (``--certify``) and ``openzoo conformance verify CERT.json``."""

from __future__ import annotations

import copy
import importlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from openzoo.cli.conformance import conformance
from openzoo.conformance import run_conformance
from openzoo.conformance.certificate import build_certificate, distribution_digest, environment
from openzoo.conformance.certification import certify_record, verify_certificate
from openzoo.errors import BadInputError

FIXTURES = Path(__file__).parent / "fixtures"


def _invoke(registry, args):
    return CliRunner().invoke(conformance, args, obj={"registry": registry})


@pytest.fixture
def installed_copy(tmp_path, monkeypatch):
    """A copy of the fixture distribution first on ``sys.path``, whose files a test may tamper with."""
    site = tmp_path / "site"
    shutil.copytree(FIXTURES, site, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    return site


@pytest.fixture
def certificate(fixture_reports, registry, installed_copy):
    """A certified certificate of ``fixture-clean``, for the installed copy's files."""
    report = copy.deepcopy(fixture_reports["fixture-clean"])
    report.records = [certify_record(r) for r in report.records]
    report.files_sha256, report.files_hashed = distribution_digest("openzoo-fixtures")
    selection = {"select": [], "deselect": [], "level": None}
    return build_certificate([report], environment(registry, "cpu"), selection, mode="certified")


def test_a_clean_plugin_passes_certification(fixture_reports):
    records = [certify_record(copy.copy(r)) for r in fixture_reports["fixture-clean"].records]
    assert {r.status for r in records} == {"passed"}


def test_certified_mode_fails_an_unavailable_dataset_and_says_how_to_install_it(registry):
    (report,) = run_conformance(["fixture-unavailable-data"], registry=registry, certify=True)
    # every check that reads the data fails; the check of the loader's declared defaults reads none
    datasets = [
        r
        for r in report.records
        if r.kind == "dataset" and r.check != "check_dataset_loader_defaults_match_declared_options"
    ]
    assert report.verdict == "failed"
    assert {r.status for r in datasets} == {"failed"}
    assert all("pip install fixture-data" in r.message and "certified run" in r.message for r in datasets)


def test_certified_mode_fails_a_skip_that_no_absent_device_justifies(registry):
    (standard,) = run_conformance(["fixture-bad-no-sample"], registry=registry)
    (certified,) = run_conformance(["fixture-bad-no-sample"], registry=registry, certify=True)
    skipped = {r.test_id for r in standard.records if r.status == "skipped"}
    assert len(skipped) == 9  # every dataset check after the sample check, the DataLoader and class checks included
    rewritten = {r.test_id: r for r in certified.records if r.test_id in skipped}
    assert {r.status for r in rewritten.values()} == {"failed"}
    assert all("may skip a check only when the device it needs is absent" in r.message for r in rewritten.values())


def test_a_skip_for_an_absent_device_is_accepted_in_certified_mode():
    from openzoo.conformance.records import CheckRecord

    record = CheckRecord("model:m", "check_x", "model", "required", "skipped", "no cuda", skip_device="cuda")
    assert certify_record(record).status == "skipped"


def test_certified_mode_refuses_a_selection(registry):
    with pytest.raises(BadInputError, match="a certified run checks everything"):
        run_conformance(["fixture-clean"], registry=registry, certify=True, select=["check_model_*"])
    result = _invoke(registry, ["fixture-clean", "--certify", "--level", "required"])
    assert result.exit_code == 2


def test_the_certified_run_writes_mode_certified(registry, tmp_path):
    cert = tmp_path / "cert.json"
    result = _invoke(registry, ["fixture-bad-no-sample", "--certify", "--report", str(cert)])
    assert result.exit_code == 1
    assert json.loads(cert.read_text())["mode"] == "certified"


def test_an_intact_certificate_verifies(certificate, registry):
    result = verify_certificate(certificate, registry=registry)
    assert result.problems == []
    assert result.ok and result.verified == ["openzoo-fixtures 0.1.0"]


def test_verify_names_a_file_changed_after_the_run(certificate, registry, installed_copy):
    models = installed_copy / "ozfix" / "models.py"
    models.write_text(models.read_text() + "\n# changed after certification\n")
    result = verify_certificate(certificate, registry=registry)
    assert not result.ok
    assert [p.split(":")[1].strip() for p in result.problems] == ["files_sha256"]


def test_verify_calls_a_certificate_of_an_older_suite_major_stale(certificate, registry):
    certificate["suite_version"] = "0.9.0"
    result = verify_certificate(certificate, registry=registry)
    assert len(result.problems) == 1
    assert result.problems[0].startswith("suite_version:") and "stale" in result.problems[0]


def test_verify_names_a_skipped_required_check(certificate, registry):
    check = next(c for c in certificate["plugins"][0]["checks"] if c["id"] == "check_model_builds(preset=tiny)")
    check["outcome"], check["message"] = "skipped", "check_model_builds(preset=tiny) skipped: no reason"
    result = verify_certificate(certificate, registry=registry)
    assert result.problems == [
        "openzoo-fixtures: coverage: required check model:fix-clf::check_model_builds(preset=tiny) was skipped "
        "(check_model_builds(preset=tiny) skipped: no reason)"
    ]


def test_verify_names_a_required_check_missing_from_the_current_catalogue(certificate, registry):
    checks = certificate["plugins"][0]["checks"]
    checks[:] = [c for c in checks if (c["component"], c["id"]) != ("dataset:fix-file", "check_dataset_loads_offline")]
    result = verify_certificate(certificate, registry=registry)
    assert result.problems == [
        "openzoo-fixtures: coverage: required check dataset:fix-file::check_dataset_loads_offline is missing"
    ]


def test_verify_names_a_standard_run_a_failed_verdict_and_a_schema_violation(certificate, registry):
    certificate["mode"] = "standard"
    assert [p.split(":")[0] for p in verify_certificate(certificate, registry=registry).problems] == ["mode"]
    broken = copy.deepcopy(certificate)
    del broken["plugins"][0]["counts"]
    assert verify_certificate(broken, registry=registry).problems[0].startswith("schema: plugins/0:")
    old = dict(certificate, schema_version="1")
    assert verify_certificate(old, registry=registry).problems[0].startswith("schema: the certificate has schema '1'")


def test_verify_exits_0_on_an_intact_certificate_and_1_naming_each_mismatch(certificate, registry, tmp_path):
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(certificate))
    ok = _invoke(registry, ["verify", str(path), "--plugin", "openzoo-fixtures"])
    assert ok.exit_code == 0, ok.output
    assert "verified: openzoo-fixtures 0.1.0" in ok.stdout
    certificate["suite_version"] = "0.1.0"
    certificate["plugins"][0]["version"] = "9.9.9"
    path.write_text(json.dumps(certificate))
    bad = _invoke(registry, ["verify", str(path)])
    assert bad.exit_code == 1
    assert "MISMATCH suite_version:" in bad.stderr
    assert "MISMATCH openzoo-fixtures: version: the certificate is for 9.9.9, 0.1.0 is installed" in bad.stderr


def test_verify_of_a_missing_or_unreadable_file_exits_2(registry, tmp_path):
    assert _invoke(registry, ["verify", str(tmp_path / "nope.json")]).exit_code == 2
    (tmp_path / "bad.json").write_text("{not json")
    result = _invoke(registry, ["verify", str(tmp_path / "bad.json")])
    assert result.exit_code == 2 and "is not a JSON certificate" in result.stderr


def test_verify_names_a_plugin_the_certificate_does_not_hold(certificate, registry, tmp_path):
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(certificate))
    result = _invoke(registry, ["verify", str(path), "--plugin", "openzoo-vit"])
    assert result.exit_code == 1
    assert "MISMATCH openzoo-vit: the certificate has no entry for it" in result.stderr


def test_the_digest_of_an_editable_install_covers_its_source_tree(tmp_path, monkeypatch):
    site, source = tmp_path / "site", tmp_path / "src"
    (source / "editable_demo").mkdir(parents=True)
    module = source / "editable_demo" / "__init__.py"
    module.write_text("VALUE = 1\n")
    info = site / "editable_demo-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.4\nName: editable-demo\nVersion: 1.0\n")
    (site / "_editable_demo.pth").write_text(f"{source}\n")
    (info / "RECORD").write_text("_editable_demo.pth,,\neditable_demo-1.0.dist-info/METADATA,,\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    before, count = distribution_digest("editable-demo")
    assert count == 3  # the .pth, METADATA and the module behind the .pth
    module.write_text("VALUE = 2\n")
    assert distribution_digest("editable-demo")[0] != before


def test_verify_is_reached_through_the_real_command_line(tmp_path):
    import subprocess
    import sys

    shown = subprocess.run(
        [sys.executable, "-m", "openzoo", "conformance", "verify", "--help"], capture_output=True, text=True
    )
    assert shown.returncode == 0 and "Usage: openzoo conformance verify [OPTIONS] CERTIFICATE" in shown.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "openzoo", "conformance", "verify", str(tmp_path / "cert.json")],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2
    assert "no certificate at" in missing.stderr and "Traceback" not in missing.stderr
