"""``openzoo doctor``: versions, devices and plugin health, and its exit code."""

from __future__ import annotations

import json
import sys
import types

import pytest
from click.testing import CliRunner

from openzoo import DeviceSpec, hookimpl
from openzoo.cli import cli
from openzoo.plugins import PluginSource


class _FakeAccelerator:
    """A device backend that reports two devices, without any hardware."""

    name = "fake-accel"
    distributed_backend = "fakeccl"

    @classmethod
    def is_available(cls) -> bool:
        return True

    @classmethod
    def device_count(cls) -> int:
        return 2

    def supported_precisions(self) -> tuple[str, ...]:
        return ("fp32", "fp16")


def _device_plugin(*specs: DeviceSpec) -> PluginSource:
    module = types.ModuleType("ozfix_devices")
    module.openzoo_devices = hookimpl(lambda: list(specs))
    return PluginSource(name="ozfix_devices", dist="ozfix-devices", version="0.3", load=lambda: module)


@pytest.fixture
def accelerator_module(monkeypatch):
    module = types.ModuleType("ozfix_accel")
    module.Backend = _FakeAccelerator
    monkeypatch.setitem(sys.modules, "ozfix_accel", module)


def _doctor(sources, *args):
    return CliRunner().invoke(cli, ["doctor", *args], obj={"plugin_sources": sources})


def test_doctor_reports_versions_devices_and_plugins_and_exits_0_when_healthy(fixture_sources):
    result = _doctor(fixture_sources("good"))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"python: {sys.version.split()[0]}" in out
    assert "openzoo: " in out
    import torch

    assert f"torch: {torch.__version__}" in out
    assert "transformers: " in out
    cpu = next(line for line in out.splitlines() if line.strip().startswith("cpu "))
    assert cpu.split()[:4] == ["cpu", "yes", "1", "fp32,"]
    assert "plugins: 2 ok, 0 broken, 0 disabled" in out


def test_doctor_exits_1_and_lists_problems_when_a_plugin_is_broken(fixture_sources):
    result = _doctor(fixture_sources("good", "hook_raises"))
    assert result.exit_code == 1
    assert "plugins: 2 ok, 1 broken, 0 disabled" in result.stdout
    assert "  ! ozfix_hook_raises (ozfix-hook-raises 1.0.0): hook openzoo_models raised RuntimeError" in result.stdout
    assert "doctor found problems" in result.stderr


def test_doctor_asks_each_backend_for_availability_count_and_precisions(accelerator_module):
    spec = DeviceSpec("fake-accel", "A fake accelerator.", "ozfix_accel:Backend")
    result = _doctor([_device_plugin(spec)], "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    fake = next(d for d in report["devices"] if d["name"] == "fake-accel")
    assert fake == {
        "name": "fake-accel",
        "origin": "ozfix-devices 0.3",
        "available": True,
        "count": 2,
        "precisions": ["fp32", "fp16"],
        "distributed": "fakeccl",
        "error": None,
    }
    assert report["ok"] is True


def test_doctor_reports_a_backend_that_does_not_import_and_exits_1():
    spec = DeviceSpec("ghost", "A backend whose module is missing.", "ozfix_no_such_backend:Backend")
    result = _doctor([_device_plugin(spec)])
    assert result.exit_code == 1
    assert "cannot import 'ozfix_no_such_backend'" in result.stdout


def test_doctor_json_has_every_section(fixture_sources):
    report = json.loads(_doctor(fixture_sources("good", "import_error"), "--json").stdout)
    assert set(report) == {"ok", "python", "openzoo", "torch", "transformers", "devices", "plugins"}
    assert report["ok"] is False
    assert report["plugins"]["broken"] == 1
    assert report["python"]["executable"] == sys.executable
    assert [d["name"] for d in report["devices"]] == ["cpu", "cuda", "mps"]
