"""The root command: --version, --help of every command, exit codes and how errors are shown."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from openzoo import exitcodes
from openzoo.cli import COMMANDS, cli, main
from openzoo.errors import BadInputError, PluginError
from openzoo.plugins import core_version


def test_version_prints_the_core_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"openzoo {core_version()}\n"


def test_root_help_lists_every_command_with_its_summary():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name, (_, summary) in COMMANDS.items():
        assert name in result.stdout
        assert summary.split()[0] in result.stdout


@pytest.mark.parametrize("command", list(COMMANDS), ids=str)
def test_every_command_has_working_help(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: cli {command}" in result.stdout or f"Usage: openzoo {command}" in result.stdout


def test_an_unknown_command_exits_2_with_a_suggestion():
    result = CliRunner().invoke(cli, ["lsit"])
    assert result.exit_code == 2
    assert "No such command 'lsit'" in result.stderr


def _run_with(monkeypatch, command: click.Command, args: list[str]):
    monkeypatch.setitem(cli.commands, command.name, command)
    return CliRunner().invoke(cli, args)


def _raising(name: str, error: BaseException) -> click.Command:
    @click.command(name)
    def command() -> None:
        raise error

    return command


def test_bad_input_exits_2_with_the_message_and_no_traceback(monkeypatch):
    result = _run_with(monkeypatch, _raising("bad", BadInputError("the file 'x.csv' has no header row")), ["bad"])
    assert result.exit_code == exitcodes.BAD_INPUT
    assert result.stderr == "Error: the file 'x.csv' has no header row\n"


def test_a_failed_operation_exits_1_with_the_message(monkeypatch):
    result = _run_with(monkeypatch, _raising("fails", PluginError("openzoo-vit:vit: cannot import")), ["fails"])
    assert result.exit_code == exitcodes.FAILURE
    assert result.stderr == "Error: openzoo-vit:vit: cannot import\n"


def test_an_unexpected_exception_prints_one_line_and_a_debug_hint(monkeypatch):
    result = _run_with(monkeypatch, _raising("crash", ZeroDivisionError("division by zero\nsecond line")), ["crash"])
    assert result.exit_code == exitcodes.FAILURE
    assert result.stderr.splitlines() == [
        "Error: unexpected ZeroDivisionError: division by zero",
        "This is a bug or an unhandled case; rerun with --debug for the traceback and report it.",
    ]


def test_debug_reraises_the_original_exception(monkeypatch):
    error = ZeroDivisionError("division by zero")
    result = _run_with(monkeypatch, _raising("crash", error), ["--debug", "crash"])
    assert result.exception is error


def test_debug_from_the_environment_reraises_too(monkeypatch):
    error = BadInputError("bad")
    monkeypatch.setenv("OPENZOO_DEBUG", "1")
    result = _run_with(monkeypatch, _raising("bad", error), ["bad"])
    assert result.exception is error


def test_a_command_whose_module_does_not_import_fails_clearly_and_help_still_works(monkeypatch):
    monkeypatch.setitem(COMMANDS, "ghost", ("openzoo.cli.no_such_module:ghost", "A command that is not there."))
    result = CliRunner().invoke(cli, ["ghost"])
    assert result.exit_code == exitcodes.FAILURE
    assert (
        "the 'ghost' command cannot be loaded from openzoo.cli.no_such_module:ghost: ModuleNotFoundError"
        in result.stderr
    )
    assert "rerun with --debug" in result.stderr
    help_result = CliRunner().invoke(cli, ["--help"])
    assert help_result.exit_code == 0 and "ghost" in help_result.stdout


def test_main_exits_with_the_mapped_code(monkeypatch, capsys):
    monkeypatch.setitem(cli.commands, "bad", _raising("bad", BadInputError("nope")))
    with pytest.raises(SystemExit) as caught:
        main(["bad"])
    assert caught.value.code == exitcodes.BAD_INPUT
    assert capsys.readouterr().err == "Error: nope\n"


def test_main_exits_0_after_success(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.startswith("openzoo ")


def test_main_turns_ctrl_c_into_exit_130(monkeypatch, capsys):
    monkeypatch.setitem(cli.commands, "interrupted", _raising("interrupted", KeyboardInterrupt()))
    with pytest.raises(SystemExit) as caught:
        main(["interrupted"])
    assert caught.value.code == exitcodes.INTERRUPTED
