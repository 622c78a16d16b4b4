"""The ``openzoo`` command line: a lazy click group.

``openzoo --help`` prints the command summaries from :data:`COMMANDS` without
importing any command module; a command's module is imported only when that
command runs, and torch only inside the commands that do the work.

Error policy (see :mod:`openzoo.exitcodes`): bad input exits 2 with a one-line
message, a failed operation exits 1, an unexpected exception prints one line and
suggests ``--debug``, which shows the traceback instead.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from openzoo import exitcodes
from openzoo.errors import BadInputError, OpenzooError

if TYPE_CHECKING:
    from openzoo.plugins import Registry

__all__ = ["COMMANDS", "context_registry", "main"]

_DEBUG_HINT = "rerun with --debug for the traceback"

#: name -> ("module:attr", one-line summary), in the order ``--help`` shows them.
COMMANDS: dict[str, tuple[str, str]] = {
    "plugins": ("openzoo.cli.listing:plugins", "Show installed plugins, their versions, health and components."),
    "list": ("openzoo.cli.listing:list_components", "List models, datasets, metrics, devices or tasks."),
    "info": ("openzoo.cli.listing:info", "Show everything known about one component."),
    "doctor": ("openzoo.cli.doctor:doctor", "Check python, torch, devices and plugin health."),
    "train": ("openzoo.cli.run:train", "Train a model on a dataset into a run directory."),
    "evaluate": ("openzoo.cli.run:evaluate", "Evaluate a run directory (or a fresh model) on a dataset split."),
    "predict": ("openzoo.cli.run:predict", "Run a trained model on raw inputs (images, texts, prompts, user ids)."),
    "conformance": (
        "openzoo.cli.conformance:conformance",
        "Run the conformance suite on plugins and write a certificate.",
    ),
    "new": ("openzoo.cli.new:new", "Create a new plugin from the template."),
    "serve": ("openzoo.cli.serve:serve", "Serve a run over HTTP: predict, completions, metrics (openzoo[serve])."),
    "export": ("openzoo.cli.export:export", "Export a run's model to ONNX, checked with onnxruntime (openzoo[onnx])."),
    "runs": ("openzoo.cli.tracking:runs", "List past runs (status, steps, best metric), or show one."),
    "plot": ("openzoo.cli.tracking:plot", "Plot training loss and evaluation metrics of runs against step."),
    "data": ("openzoo.cli.data:data", "Fetch the files a dataset declares into the cache, or list the cache."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def __init__(self, *args: Any, lazy_commands: dict[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.lazy_commands) + sorted(set(self.commands) - set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in self.lazy_commands:
            return None
        reference, _ = self.lazy_commands[cmd_name]
        module_name, _, attr = reference.partition(":")
        try:
            command = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            if _debug_requested(ctx):
                raise
            raise click.ClickException(
                f"the {cmd_name!r} command cannot be loaded from {reference}: {type(exc).__name__}: {exc}. "
                f"Reinstall openzoo (pip install --force-reinstall openzoo), or {_DEBUG_HINT}."
            ) from exc
        if not isinstance(command, click.Command):
            raise click.ClickException(f"the {cmd_name!r} command is broken: {reference} is not a click command")
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, turning openzoo errors into click errors with the right exit code.

        :class:`BadInputError` exits 2, other :class:`OpenzooError` exit 1, and any other
        exception prints one line with a hint to rerun with ``--debug``, which re-raises
        everything with its traceback instead.
        """
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
            raise
        except OpenzooError as exc:
            if _debug_requested(ctx):
                raise
            code = exitcodes.BAD_INPUT if isinstance(exc, BadInputError) else exitcodes.FAILURE
            error = click.ClickException(str(exc))
            error.exit_code = code
            raise error from exc
        except Exception as exc:
            if _debug_requested(ctx):
                raise
            resource = _resource_problem(exc)
            if resource is not None:
                error = click.ClickException(resource)
                error.exit_code = exitcodes.BAD_INPUT
                raise error from exc
            first_line = next(iter(str(exc).strip().splitlines()), "")
            raise click.ClickException(
                f"unexpected {type(exc).__name__}: {first_line}\n"
                f"This is a bug or an unhandled case; {_DEBUG_HINT} and report it."
            ) from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, summary) for name, (_, summary) in self.lazy_commands.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(version=None, package_name="openzoo", prog_name="openzoo", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Show full tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """openzoo: train, evaluate and check models from installed plugins.

    \b
    Quick start:
      openzoo plugins                       what is installed, and its health
      openzoo list models                   what you can train
      openzoo train vit --dataset digits    train into a run directory
    """
    ctx.ensure_object(dict)["debug"] = debug


def _resource_problem(exc: BaseException) -> str | None:
    """Return what ran out (disk, memory) or was refused (permission) and what to do, or ``None``."""
    from openzoo.engine.failures import describe_resource_error

    return describe_resource_error(exc)


def _debug_from_env() -> bool:
    return os.environ.get("OPENZOO_DEBUG", "") not in ("", "0")


def _debug_requested(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("debug")) or _debug_from_env()


def _wants_debug(argv: list[str]) -> bool:
    return "--debug" in argv or _debug_from_env()


def context_registry(ctx: click.Context) -> Registry:
    """Return a freshly loaded registry for a command.

    Plugins come from the ``openzoo`` entry points, unless the root context's ``obj``
    holds ``plugin_sources`` (a list of :class:`~openzoo.plugins.PluginSource`), as tests
    pass with ``CliRunner().invoke(cli, args, obj={"plugin_sources": [...]})``; its
    ``plugin_clock`` replaces the clock that times plugin imports.
    """
    import time

    from openzoo.plugins import load_registry

    obj = ctx.find_root().obj or {}
    return load_registry(obj.get("plugin_sources"), clock=obj.get("plugin_clock", time.perf_counter))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``openzoo`` script; maps errors to exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = _wants_debug(args)
    try:
        rv = cli.main(args=args, prog_name="openzoo", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(exitcodes.INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:  # `openzoo list | head`: stop quietly, as cat does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(exitcodes.FAILURE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except OpenzooError as exc:
        if debug:
            raise
        code = exitcodes.BAD_INPUT if isinstance(exc, BadInputError) else exitcodes.FAILURE
        click.echo(f"Error: {exc}", err=True)
        sys.exit(code)
    except KeyboardInterrupt:
        if debug:
            raise
        click.echo("Interrupted.", err=True)
        sys.exit(exitcodes.INTERRUPTED)
    except Exception as exc:
        if debug:
            raise
        click.echo(f"Error: unexpected {type(exc).__name__}: {exc}", err=True)
        click.echo("This is a bug or an unhandled case; rerun with --debug for the traceback and report it.", err=True)
        sys.exit(exitcodes.FAILURE)
    sys.exit(rv if isinstance(rv, int) else exitcodes.SUCCESS)
