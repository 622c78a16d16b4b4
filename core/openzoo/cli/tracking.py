"""``openzoo runs`` and ``openzoo plot``: past runs as a table, and their curves.

Both read run directories only (``openzoo.tracking``); neither imports torch.
"""

from __future__ import annotations

import json
from typing import Any

import click

from openzoo.cli.completion import complete_run_dirs
from openzoo.cli.render import dump_json, format_table, format_tree, output_width
from openzoo.errors import BadInputError

__all__ = ["plot", "runs"]

_HEADERS = ("run", "model", "dataset", "steps", "best", "status", "started", "duration")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else (f"{minutes}m{secs:02d}s" if minutes else f"{secs}s")


def _best(best: dict[str, Any] | None) -> str:
    return f"{best['metric']}={best['value']:.4g}@{best['step']}" if best else "-"


def _row(summary: Any) -> list[str]:
    planned = summary.planned_steps if summary.planned_steps is not None else "?"
    return [
        summary.path,
        summary.model,
        summary.dataset,
        f"{summary.steps}/{planned}",
        _best(summary.best),
        summary.status,
        summary.started.replace("T", " ")[:16],
        _duration(summary.duration_s),
    ]


@click.command()
@click.argument("args", nargs=-1, metavar="[DIR] | show RUN", shell_complete=complete_run_dirs)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def runs(args: tuple[str, ...], as_json: bool) -> None:
    """List the run directories under DIR (default runs/), or show one run.

    STATUS is running (its writer holds the run's lock), finished, interrupted
    (Ctrl-C, a termination signal or a killed process: --resume continues it) or
    failed. STEPS is done/planned; BEST is the selection metric's best value and its step.

    \b
    Examples:
      openzoo runs
      openzoo runs experiments/ --json
      openzoo runs show runs/vit-digits-20250101-120000
    """
    from openzoo.tracking.runs import find_runs, summarise_run

    if args and args[0] == "show":
        if len(args) != 2:
            raise click.UsageError("write: openzoo runs show RUN_DIR")
        summary = summarise_run(args[1])
        if as_json:
            click.echo(dump_json(summary.as_dict()))
            return
        record = summary.as_dict()
        record["best"] = _best(summary.best)
        record["duration_s"] = _duration(summary.duration_s)
        planned = summary.planned_steps if summary.planned_steps is not None else "?"
        record["steps"] = f"{summary.steps}/{planned}"
        del record["planned_steps"]
        click.echo("\n".join(format_tree(record)))
        return
    if len(args) > 1:
        raise click.UsageError("openzoo runs takes one directory (or: openzoo runs show RUN_DIR)")
    found = find_runs(args[0] if args else "runs")
    if as_json:
        click.echo(dump_json([s.as_dict() for s in found]))
        return
    if not found:
        click.echo(f"No runs under {args[0] if args else 'runs'}/; start one with 'openzoo train'.", err=True)
        return
    click.echo("\n".join(format_table(_HEADERS, [_row(s) for s in found], width=output_width())))


@click.command()
@click.argument("run_dirs", nargs=-1, required=True, metavar="RUN...", shell_complete=complete_run_dirs)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    metavar="NAME",
    help="Curve to draw: loss or an evaluation metric (repeatable).",
)
@click.option("--out", default="curves.png", show_default=True, help="Image to write (.png, .svg or .pdf).")
@click.option(
    "--json", "as_json", is_flag=True, help="Also print the plotted data as JSON: {metric: {run: [[step, value]]}}."
)
def plot(run_dirs: tuple[str, ...], metrics: tuple[str, ...], out: str, as_json: bool) -> None:
    """Plot training loss and evaluation metrics against step, several runs overlaid.

    \b
    Examples:
      openzoo plot runs/vit-digits-20250101-120000
      openzoo plot runs/a runs/b --metric accuracy --out accuracy.svg
    """
    from openzoo.tracking.plot import plot_runs

    if not out.strip():
        raise BadInputError("--out needs a file name, for example curves.png")
    result = plot_runs(list(run_dirs), metrics=list(metrics), out=out)
    if as_json:
        click.echo(json.dumps(result.series, indent=2))
    click.echo(f"Wrote {result.out} ({', '.join(result.series)})", err=True)
