"""``openzoo doctor``: is this environment ready to train, and which plugins are healthy?

Unlike the listing commands, doctor imports torch (to report its version and
build) and resolves every device backend to ask whether it is available. It
exits 1 when a plugin is broken or a backend cannot even be asked, else 0.
"""

from __future__ import annotations

import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import click

from openzoo import exitcodes
from openzoo.cli import context_registry
from openzoo.cli.render import dump_json, format_table, format_tree
from openzoo.plugins import Registry, core_version

__all__ = ["collect_report", "doctor"]


def _installed_version(dist: str) -> str | None:
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _torch_report() -> dict[str, Any]:
    try:
        import torch
    except Exception as exc:  # noqa: BLE001 -- a missing or broken torch is what doctor reports
        return {"version": None, "error": f"{type(exc).__name__}: {exc}; install torch (see the README)"}
    return {
        "version": torch.__version__,
        "cuda build": torch.version.cuda,
        "threads": torch.get_num_threads(),
    }


def _device_report(registry: Registry, spec: Any) -> dict[str, Any]:
    origin = "builtin" if spec.origin is None or spec.origin.builtin else f"{spec.origin.dist} {spec.origin.version}"
    report: dict[str, Any] = {"name": spec.name, "origin": origin}
    try:
        backend = registry.resolve(spec)
        available = bool(backend.is_available())
        report["available"] = available
        report["count"] = int(backend.device_count()) if available else 0
        report["precisions"] = list(backend().supported_precisions()) if available else []
        report["distributed"] = getattr(backend, "distributed_backend", None)
        report["error"] = None
    except Exception as exc:  # noqa: BLE001 -- a broken backend is reported, not raised
        report.update(available=False, count=0, precisions=[], distributed=None)
        report["error"] = f"{type(exc).__name__}: {exc}"
    return report


def collect_report(registry: Registry) -> dict[str, Any]:
    """Return what doctor checks, as plain data (the ``--json`` output)."""
    plugins = registry.plugins
    devices = [_device_report(registry, spec) for spec in registry.list("devices")]
    problems = registry.problems()
    torch = _torch_report()
    healthy = not problems and not any(d["error"] for d in devices) and torch["version"] is not None
    return {
        "ok": healthy,
        "python": {"version": platform.python_version(), "executable": sys.executable, "platform": platform.platform()},
        "openzoo": core_version(),
        "torch": torch,
        "transformers": _installed_version("transformers"),
        "devices": devices,
        "plugins": {
            "ok": sum(r.status == "ok" for r in plugins),
            "broken": sum(r.status == "broken" for r in plugins),
            "disabled": sum(r.status == "disabled" for r in plugins),
            "problems": problems,
        },
    }


def _echo_human(report: dict[str, Any]) -> None:
    torch = report["torch"]
    summary = {
        "python": f"{report['python']['version']} ({report['python']['executable']})",
        "platform": report["python"]["platform"],
        "openzoo": report["openzoo"],
        "torch": torch["version"] or f"not usable: {torch['error']}",
        "cuda build": torch.get("cuda build") or ("none (CPU build)" if torch["version"] else None),
        "transformers": report["transformers"] or "not installed (only Hugging Face based plugins need it)",
    }
    click.echo("\n".join(format_tree(summary)))
    click.echo("\ndevices:")
    rows = [
        (
            d["name"],
            "yes" if d["available"] else "no",
            str(d["count"]),
            ", ".join(d["precisions"]) or "-",
            d["distributed"] or "-",
            d["origin"],
        )
        for d in report["devices"]
    ]
    headers = ("name", "available", "count", "precisions", "distributed", "origin")
    lines = format_table(headers, rows)
    click.echo("  " + lines[0])
    for line, device in zip(lines[1:], report["devices"]):
        click.echo("  " + line)
        if device["error"]:
            click.echo(f"      ! {device['error']}")
    plugins = report["plugins"]
    click.echo(
        f"\nplugins: {plugins['ok']} ok, {plugins['broken']} broken, {plugins['disabled']} disabled"
        + ("" if not plugins["problems"] else " (run 'openzoo plugins' for details)")
    )
    for problem in plugins["problems"]:
        click.echo(f"  ! {problem}")


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Check python, torch, devices and plugin health.

    Exits 1 when a plugin is broken, torch does not import or a device backend
    fails to load, else 0. Unavailable devices (no GPU) are not problems.
    """
    report = collect_report(context_registry(ctx))
    if as_json:
        click.echo(dump_json(report))
    else:
        _echo_human(report)
    if not report["ok"]:
        click.echo("doctor found problems (listed above).", err=True)
        ctx.exit(exitcodes.FAILURE)
