"""The ``serve`` and ``export`` commands: help, bad options, missing extras, and a light ``openzoo list``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from openzoo.cli import cli
from openzoo.serving import extras

SERVER_STACK = ("openzoo.serving", "fastapi", "uvicorn", "starlette", "prometheus_client", "onnx", "onnxruntime")


@pytest.mark.parametrize("args", [["--help"], ["list"], ["plugins"], ["serve", "--help"], ["export", "--help"]])
def test_help_and_listing_never_import_the_server_stack(run_openzoo, args):
    result = run_openzoo(args, watch=SERVER_STACK)
    assert result.returncode == 0, result.stderr
    assert result.imported == []


def test_help_lists_serve_and_export():
    result = CliRunner().invoke(cli, ["--help"])
    assert "serve" in result.output and "export" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "no/such/run"], "run directory no/such/run does not exist"),
        (["serve", ".", "--port", "70000"], "--port must be at most 65535"),
        (["serve", ".", "--max-batch-size", "0"], "--max-batch-size must be an integer of at least 1"),
        (["serve", ".", "--workers", "100000000"], "--workers 100000000 would start 100000000 server processes"),
        (["serve", ".", "--batch-timeout-ms", "-1"], "--batch-timeout-ms must be between 0 and 10000"),
        (["serve", ".", "--onnx", "no/such/export"], "--onnx no/such/export is not a directory"),
        (["export", ".", "--out", "x", "--tolerance", "0"], "must be greater than 0"),
        (["export", ".", "--format", "tflite", "--out", "x"], "'tflite' is not 'onnx'"),
    ],
)
def test_bad_options_exit_2_with_the_fix(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.output


@pytest.mark.parametrize(("command", "extra"), [("serve", "serve"), ("export", "onnx")])
def test_a_missing_extra_exits_2_with_the_pip_command(monkeypatch, command, extra):
    monkeypatch.setitem(extras.EXTRAS, extra, ("openzoo_package_that_is_not_installed",))
    result = CliRunner().invoke(cli, [command, ".", "--out", "x"] if command == "export" else [command, "."])
    assert result.exit_code == 2
    assert f"pip install 'openzoo[{extra}]'" in result.output
    assert "openzoo_package_that_is_not_installed not installed" in result.output
