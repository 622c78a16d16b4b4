"""``openzoo conformance``: run the conformance suite on plugins and write the reports;
``openzoo conformance verify CERT.json``: check a certificate against this installation;
``openzoo conformance record DIST``: write what a plugin does into its ``conformance-record.json``.

Exit codes: 0 when the verdict of every plugin checked is ``passed``; 1 when a
plugin failed, or its verdict is ``incomplete`` (nothing applied, or every
required check was skipped) -- a plugin that fails to import is checked and fails
its packaging checks, so it exits 1 too; 2 for bad input (an unknown plugin or
device name, no plugin named). ``verify`` exits 0 only when the certificate holds.
"""

from __future__ import annotations

import json
from typing import Any

import click

from openzoo import exitcodes

__all__ = ["conformance"]

_MARKS = {
    "passed": "PASS",
    "failed": "FAIL",
    "skipped": "SKIP",
    "unavailable": "UNAVL",
    "xfail": "XFAIL",
    "xpass": "XPASS",
}


class _ConformanceCommand(click.Command):
    """``openzoo conformance``, which hands ``verify ...`` to :func:`verify` and ``record ...`` to :func:`record`."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        if args[:1] == ["verify"]:
            return verify.make_context(f"{info_name or 'conformance'} verify", args[1:], parent=parent, **extra)
        if args[:1] == ["record"]:
            return record.make_context(f"{info_name or 'conformance'} record", args[1:], parent=parent, **extra)
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        if ctx.command is not self:  # the context make_context built for verify
            return ctx.command.invoke(ctx)
        return super().invoke(ctx)


@click.command("conformance", cls=_ConformanceCommand)
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
@click.option(
    "--certify",
    is_flag=True,
    help="Certified mode: run every check (no selection); a skip no absent device justifies fails the run.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail (exit 1) when a recommended check fails too: the bar of a stable plugin (GOVERNANCE.md).",
)
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
    certify: bool,
    strict: bool,
    quiet: bool,
) -> None:
    """Run the conformance suite on PLUGIN(s) and give one verdict.

    \b
    Examples:
      openzoo conformance vit
      openzoo conformance --all --report cert.json --junit junit.xml --markdown summary.md
      openzoo conformance vit --select 'check_model_*' --device cuda
      openzoo conformance vit --select 'model:vit::check_model_forward_outputs(preset=tiny)'
      openzoo conformance openzoo-vit --certify --report cert.json
      openzoo conformance verify cert.json --plugin openzoo-vit
      openzoo conformance record openzoo-vit

    Exit code 0 only when every plugin's verdict is 'passed' (no required check failed,
    at least one ran) and, with --strict, no recommended check failed either; 1 otherwise;
    2 for bad input. Failures name the plugin's file and
    line; the global --debug prints their full tracebacks.
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
            certify=certify,
        )
    except BadInputError as exc:
        raise click.UsageError(str(exc)) from None
    if (select or deselect or level) and not any(p.records for p in reports):
        chosen = " ".join(
            [f"--select {s!r}" for s in select]
            + [f"--deselect {d!r}" for d in deselect]
            + [f"--level {level}"] * bool(level)
        )
        raise click.UsageError(
            f"no check of {', '.join(p.plugin for p in reports) or 'these plugins'} matches {chosen}; "
            "check ids look like 'check_model_*' or 'model:NAME::check_model_forward_outputs(preset=tiny)' "
            "(run without --select to see every id, or read the check catalogue)"
        )
    certificate = build_certificate(
        reports,
        environment(registry, device),
        {"select": list(select), "deselect": list(deselect), "level": level, "strict": strict},
        mode="certified" if certify else "standard",
    )
    for path, writer in ((report, write_json), (junit, write_junit), (markdown, write_markdown)):
        if path:
            writer(path, certificate)
    if as_json:
        click.echo(json.dumps(certificate, indent=2))
    else:
        click.echo(markdown_summary(certificate), nl=False)
    debug = bool(ctx.find_root().params.get("debug"))
    tracebacks = {(r.component, r.check): r.traceback for p in reports for r in p.records}
    failed = [c for p in certificate["plugins"] for c in p["checks"] if c["outcome"] in ("failed", "xpass")]
    for check in failed:
        click.echo(f"FAILED {check['component']}::{check['id']}: {check['message']}", err=True)
        if check["location"]:
            click.echo(f"  at: {check['location']}", err=True)
        click.echo(f"  reproduce: {check['reproduce']}", err=True)
        if debug and tracebacks.get((check["component"], check["id"])):
            click.echo(tracebacks[(check["component"], check["id"])].rstrip(), err=True)
    recommended_failed = [c for c in failed if c["level"] == "recommended"]
    if strict and recommended_failed:
        click.echo(
            f"strict: {len(recommended_failed)} recommended check(s) failed; a stable plugin passes them too",
            err=True,
        )
    passed = certificate["verdict"] == "passed" and not (strict and recommended_failed)
    ctx.exit(exitcodes.SUCCESS if passed else exitcodes.FAILURE)


@click.command("verify")
@click.argument("certificate", type=click.Path(dir_okay=False))
@click.option(
    "--plugin",
    "dists",
    multiple=True,
    metavar="DIST",
    help="Verify this distribution's (or plugin's) entry only (repeatable; default: every entry).",
)
@click.pass_context
def verify(ctx: click.Context, certificate: str, dists: tuple[str, ...]) -> None:
    """Check CERTIFICATE against this installation and the current catalogue.

    Re-hashes each certified distribution as installed here and checks the digest and
    version, the schema, the suite version (an older major is stale), the mode
    (certified), the verdicts and the coverage (every required check of the current
    catalogue present and passed). Each mismatch is named on stderr.

    \b
    Examples:
      openzoo conformance verify reports/openzoo-vit/certificate.json
      openzoo conformance verify cert.json --plugin openzoo-vit

    Exit code 0 only when every check holds; 1 when one does not; 2 when the file
    cannot be read as a certificate.
    """
    from pathlib import Path

    from openzoo.conformance.certification import verify_certificate
    from openzoo.plugins import default_registry

    path = Path(certificate)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise click.UsageError(
            f"no certificate at {path}; write one with openzoo conformance PLUGIN --certify --report {path}"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.UsageError(f"{path} is not a JSON certificate: {exc}") from None
    if not isinstance(document, dict):
        raise click.UsageError(f"{path} is not a JSON certificate: the top level is a {type(document).__name__}")
    registry = ctx.obj.get("registry") if isinstance(ctx.obj, dict) and ctx.obj.get("registry") else default_registry()
    result = verify_certificate(document, registry=registry, dists=dists)
    for problem in result.problems:
        click.echo(f"MISMATCH {problem}", err=True)
    if result.ok:
        click.echo(f"verified: {', '.join(result.verified)} (suite {document['suite_version']}, {document['mode']})")
    else:
        click.echo(f"not verified: {len(result.problems)} mismatch(es) in {path}")
    ctx.exit(exitcodes.SUCCESS if result.ok else exitcodes.FAILURE)


@click.command("record")
@click.argument("plugins", nargs=-1, required=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the record here instead of into the plugin's package (conformance-record.json).",
)
@click.pass_context
def record(ctx: click.Context, plugins: tuple[str, ...], output: str | None) -> None:
    """Observe PLUGIN(s) and write what they do into their conformance-record.json.

    The record holds every component's declaration, every dataset's examples (digests)
    and what every model's test presets compute and predict on fixed inputs (CPU, seed
    0), with the plugin's version. The check
    check_plugin_behaviour_matches_its_record compares a plugin with it: a behaviour
    change needs a new version, a CHANGELOG entry and a new record, whose diff shows
    the reviewer what changed. The differences from the previous record are printed.

    \b
    Examples:
      openzoo conformance record openzoo-vit
      openzoo conformance record vit --output /tmp/vit-record.json

    Exit code 0 when every record was written; 1 when a plugin could not be observed
    (run openzoo conformance on it to see why); 2 for bad input (an unknown or builtin
    plugin, a record file that cannot be read or written).
    """
    from pathlib import Path

    from openzoo.conformance.behaviour_record import differences, observe, read_record, record_location, write_record
    from openzoo.conformance.runner import find_plugin
    from openzoo.conformance.subjects import PluginSubject
    from openzoo.errors import BadInputError, OpenzooError
    from openzoo.plugins import default_registry

    if output and len(plugins) > 1:
        raise click.UsageError("--output takes one plugin; record the others one at a time")
    registry = ctx.obj.get("registry") if isinstance(ctx.obj, dict) and ctx.obj.get("registry") else default_registry()
    try:
        records = [find_plugin(registry, name) for name in plugins]
    except BadInputError as exc:
        raise click.UsageError(str(exc)) from None
    failed = False
    for plugin in records:
        if plugin.builtin:
            raise click.UsageError(f"{plugin.dist} is core's builtin plugin; its behaviour is core's tests' to pin")
        if plugin.status != "ok":
            raise click.UsageError(
                f"{plugin.dist} is {plugin.status}: {'; '.join(plugin.problems) or 'see openzoo plugins'}"
            )
        subject = PluginSubject(plugin, registry=registry)
        path = Path(output) if output else record_location(subject)
        if path is None:
            raise click.UsageError(f"cannot find the package directory of {plugin.dist}; pass --output PATH")
        try:
            previous = read_record(path)["plugins"].get(plugin.name) if path.exists() else None
        except ValueError as exc:
            raise click.UsageError(f"{exc}; move it away or fix it, then record again") from None
        try:
            observation = observe(subject)
        except Exception as exc:  # the plugin's own code failed: a finding, not a crash of this command
            if ctx.find_root().params.get("debug"):
                raise
            detail = str(exc) if isinstance(exc, OpenzooError) else f"{type(exc).__name__}: {exc}"
            click.echo(f"error: {plugin.dist} could not be observed: {detail}", err=True)
            click.echo(f"  run openzoo conformance {plugin.dist} to see which check fails", err=True)
            failed = True
            continue
        try:
            write_record(path, plugin.name, observation)
        except (OSError, ValueError) as exc:
            raise click.UsageError(f"cannot write {path}: {exc}; pass --output PATH to write elsewhere") from None
        components = len(observation["components"])
        click.echo(f"recorded {plugin.dist} {plugin.version} ({components} components) in {path}")
        if isinstance(previous, dict):
            changed = differences(previous.get("components", {}), observation["components"])
            if previous.get("version") != plugin.version:
                click.echo(f"  previous record: version {previous.get('version')}")
            for line in changed[:20]:
                click.echo(f"  changed: {line}")
            if len(changed) > 20:
                click.echo(f"  ... and {len(changed) - 20} more")
            if not changed:
                click.echo("  no behaviour changed since the previous record")
    ctx.exit(exitcodes.FAILURE if failed else exitcodes.SUCCESS)
