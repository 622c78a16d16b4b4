"""``openzoo conformance``: run the conformance suite on plugins and write the reports.

Exit codes: 0 when the verdict of every plugin checked is ``passed``; 1 when a
plugin failed, or its verdict is ``incomplete`` (nothing applied, or every
required check was skipped) -- a plugin that fails to import is checked and fails
its packaging checks, so it exits 1 too; 2 for bad input (an unknown plugin or
device name, no plugin named).
"""

from __future__ import annotations

import json
from typing import Any

import click

from openzoo import exitcodes

__all__ = ["conformance"]

_MARKS = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "xfail": "XFAIL", "xpass": "XPASS"}


@click.command("conformance")
@click.argument("plugins", nargs=-1)
@click.option("--all", "all_plugins", is_flag=True, help="Check every installed plugin (core's builtins included).")
@click.option(
    "--device", default="cpu", show_default=True, help="Device for model and metric device checks (cpu, cuda, mps ...)."
)
@click.option(
    "--select",
    multiple=True,
    metavar="ID",
    help="Run only checks whose id, name or component::id matches (glob; repeatable).",
)
@click.option("--deselect", multiple=True, metavar="ID", help="Leave out checks that match (glob; repeatable).")
@click.option(
    "--level", type=click.Choice(["required", "recommended"]), default=None, help="Run only checks of this level."
)
@click.option("--report", type=click.Path(dir_okay=False), help="Write the JSON certificate here.")
@click.option("--junit", type=click.Path(dir_okay=False), help="Write JUnit XML here (for CI test views).")
@click.option(
    "--markdown", type=click.Path(dir_okay=False), help="Write the Markdown summary here (for pull requests)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the certificate as JSON on stdout instead of the summary.")
@click.option("--quiet", "-q", is_flag=True, help="Do not print a line per check on stderr.")
@click.pass_context
def conformance(
    ctx: click.Context,
    plugins: tuple[str, ...],
    all_plugins: bool,
    device: str,
    select: tuple[str, ...],
    deselect: tuple[str, ...],
    level: str | None,
    report: str | None,
    junit: str | None,
    markdown: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Run the conformance suite on PLUGIN(s) and give one verdict.

    \b
    Examples:
      openzoo conformance vit
      openzoo conformance --all --report cert.json --junit junit.xml --markdown summary.md
      openzoo conformance vit --select 'check_model_*' --device cuda
      openzoo conformance vit --select 'model:vit::check_model_forward_outputs(preset=tiny)'

    Exit code 0 only when every plugin's verdict is 'passed' (no required check failed,
    at least one ran); 1 otherwise; 2 for bad input.
    """
    from openzoo.conformance.certificate import build_certificate, environment
    from openzoo.conformance.reports import markdown_summary, write_json, write_junit, write_markdown
    from openzoo.conformance.runner import run_conformance
    from openzoo.errors import BadInputError
    from openzoo.plugins import default_registry

    if not plugins and not all_plugins:
        raise click.UsageError("name at least one plugin, or pass --all; 'openzoo plugins' lists them")
    if plugins and all_plugins:
        raise click.UsageError("name plugins or pass --all, not both")
    registry = ctx.obj.get("registry") if isinstance(ctx.obj, dict) and ctx.obj.get("registry") else default_registry()

    def progress(record: Any) -> None:
        if not quiet:
            click.echo(
                f"{_MARKS[record.status]:5} {record.component}::{record.check} ({record.duration:.2f}s)", err=True
            )

    try:
        reports = run_conformance(
            list(plugins) or None,
            registry=registry,
            device=device,
            select=select,
            deselect=deselect,
            level=level,
            callback=progress,
        )
    except BadInputError as exc:
        raise click.UsageError(str(exc)) from None
    certificate = build_certificate(
        reports, environment(registry, device), {"select": list(select), "deselect": list(deselect), "level": level}
    )
    for path, writer in ((report, write_json), (junit, write_junit), (markdown, write_markdown)):
        if path:
            writer(path, certificate)
    if as_json:
        click.echo(json.dumps(certificate, indent=2))
    else:
        click.echo(markdown_summary(certificate), nl=False)
    failed = [c for p in certificate["plugins"] for c in p["checks"] if c["outcome"] in ("failed", "xpass")]
    for check in failed:
        click.echo(f"FAILED {check['component']}::{check['id']}: {check['message']}", err=True)
        click.echo(f"  reproduce: {check['reproduce']}", err=True)
    ctx.exit(exitcodes.SUCCESS if certificate["verdict"] == "passed" else exitcodes.FAILURE)
