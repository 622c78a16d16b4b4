"""``openzoo conformance``: exit codes, reports, selection, bad input."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from importlib.resources import files
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from openzoo.cli.conformance import conformance
from openzoo.plugins import PluginSource, load_registry


def _invoke(registry, args):
    return CliRunner().invoke(conformance, args, obj={"registry": registry})


def test_unknown_plugin_exits_2_with_a_suggestion(registry):
    result = _invoke(registry, ["fixture-clen"])
    assert result.exit_code == 2
    assert "unknown plugin 'fixture-clen'" in result.stderr
    assert "Did you mean 'fixture-clean'" in result.stderr


def test_no_plugin_and_no_all_exits_2(registry):
    result = _invoke(registry, [])
    assert result.exit_code == 2
    assert "name at least one plugin, or pass --all" in result.stderr


def test_unknown_device_exits_2_with_the_available_devices(registry):
    result = _invoke(registry, ["fixture-clean", "--device", "cdua"])
    assert result.exit_code == 2
    assert "Did you mean 'cuda'" in result.stderr


def test_a_failing_plugin_exits_1_and_writes_all_three_reports(registry, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    cert, junit, summary = tmp_path / "out" / "cert.json", tmp_path / "junit.xml", tmp_path / "summary.md"
    result = _invoke(
        registry, ["fixture-bad-overlap", "--report", str(cert), "--junit", str(junit), "--markdown", str(summary)]
    )
    assert result.exit_code == 1, result.output
    document = json.loads(cert.read_text())
    schema = json.loads(files("openzoo.conformance").joinpath("certificate.schema.json").read_text())
    jsonschema.validate(document, schema)
    plugin = document["plugins"][0]
    assert (plugin["dist"], plugin["version"], plugin["verdict"]) == ("openzoo-fixtures", "0.1.0", "failed")
    assert len(plugin["files_sha256"]) == 64 and plugin["files_hashed"] > 10
    assert plugin["counts"]["failed"] == 1
    failures = ET.parse(junit).getroot().findall(".//testcase/failure/..")
    assert [case.get("name") for case in failures] == ["check_dataset_train_and_test_are_disjoint"]
    assert failures[0].get("file") == "ozfix/data.py" and int(failures[0].get("line")) > 0
    assert plugin["checks"][-1]["location"] is None or all(
        c["location"] is None for c in plugin["checks"] if c["outcome"] == "passed"
    )
    text = summary.read_text()
    assert (
        "check_dataset_train_and_test_are_disjoint" in text
        and "openzoo conformance fixture-bad-overlap --select" in text
    )
    assert "reproduce: openzoo conformance fixture-bad-overlap --select" in result.stderr


def test_the_reproduce_command_selects_just_that_check(registry):
    result = _invoke(
        registry,
        [
            "fixture-bad-overlap",
            "--select",
            "dataset:bad-overlap::check_dataset_train_and_test_are_disjoint",
            "--json",
            "-q",
        ],
    )
    assert result.exit_code == 1
    checks = json.loads(result.stdout)["plugins"][0]["checks"]
    assert [(c["id"], c["outcome"]) for c in checks] == [("check_dataset_train_and_test_are_disjoint", "failed")]


def test_a_passing_selection_exits_0(registry):
    result = _invoke(registry, ["fixture-clean", "--select", "check_dataset_*", "-q"])
    assert result.exit_code == 0, result.output
    assert "openzoo conformance: **passed**" in result.stdout


@pytest.mark.parametrize(
    ("flags", "named"),
    [(["--select", "check_nothing_like_this*"], "--select 'check_nothing_like_this*'"),
     (["--select", "["], "--select '['"),
     (["--select", "check_dataset_*", "--deselect", "*"], "--select 'check_dataset_*' --deselect '*'")],
    ids=["no-match", "bad-glob", "all-deselected"],
)  # fmt: skip
def test_a_selection_that_matches_no_check_exits_2_and_writes_nothing(registry, tmp_path, flags, named):
    report = tmp_path / "cert.json"
    result = _invoke(registry, ["fixture-clean", *flags, "--report", str(report), "-q"])
    assert result.exit_code == 2, result.output
    assert f"no check of fixture-clean matches {named}" in result.output
    assert not report.exists()


def test_an_unavailable_device_skips_its_checks_with_the_reason_and_is_not_green(registry):
    if importlib.import_module("torch").cuda.is_available():
        pytest.skip("this machine has CUDA; the check would run")
    result = _invoke(
        registry, ["fixture-clean", "--device", "cuda", "--select", "check_model_device_autocast*", "--json", "-q"]
    )
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    checks = document["plugins"][0]["checks"]
    assert checks and all(c["outcome"] == "skipped" for c in checks)
    assert "device 'cuda' is not available" in checks[0]["message"]
    assert document["plugins"][0]["verdict"] == "incomplete"
    assert document["environment"]["device_available"] is False


def test_a_plugin_that_fails_to_import_is_reported_and_exits_1(fixture_path):
    def broken():
        raise ImportError("No module named 'openzoo_missing'")

    base = PluginSource(
        name="fixture-base",
        dist="openzoo-fixtures",
        version="0.1.0",
        load=lambda: importlib.import_module("ozfix.base"),
    )
    sources = [
        base,
        PluginSource(name="broken", dist="openzoo-fixtures", version="0.1.0", load=broken, value="openzoo_missing"),
    ]
    registry = load_registry(sources, builtins=False, disabled=(), strict=False, environ={})
    result = _invoke(registry, ["broken", "--json", "-q"])
    assert result.exit_code == 1
    checks = json.loads(result.stdout)["plugins"][0]["checks"]
    assert checks[0]["outcome"] == "failed"
    assert "No module named 'openzoo_missing'" in checks[0]["message"]
    assert all(c["outcome"] == "skipped" for c in checks[1:])


def test_conformance_help_does_not_import_torch():
    code = (
        "import sys; from click.testing import CliRunner; from openzoo.cli.conformance import conformance; "
        "r = CliRunner().invoke(conformance, ['--help']); assert r.exit_code == 0, r.output; "
        "print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_failure_prints_the_plugin_line_and_debug_prints_its_traceback(registry, tmp_path):
    from openzoo.cli import cli

    args = ["conformance", "fixture-bad-metric", "--select", "*streaming*", "-q"]
    plain = CliRunner().invoke(cli, args, obj={"registry": registry})
    assert plain.exit_code == 1
    assert "  at: ozfix/metrics.py:" in plain.stderr
    assert "Traceback" not in plain.stderr
    debug = CliRunner().invoke(
        cli, ["--debug", *args, "--markdown", str(tmp_path / "summary.md")], obj={"registry": registry}
    )
    assert debug.exit_code == 1
    assert "Traceback (most recent call last)" in debug.stderr and "len() of a 0-d tensor" in debug.stderr
    assert "| `ozfix/metrics.py:" in (tmp_path / "summary.md").read_text()
