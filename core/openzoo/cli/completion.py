"""Shell completion of component names and run directories, through click's completion.

Each function is a click ``shell_complete`` callback. Names come from the plugin
registry, which reads specs only: completing never imports torch or a plugin's
model code. Completion must never fail loudly, so a broken registry completes nothing.
Enable it as the install guide shows (``_OPENZOO_COMPLETE=bash_source openzoo``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem

__all__ = [
    "complete_component_names",
    "complete_datasets",
    "complete_devices",
    "complete_loggers",
    "complete_metrics",
    "complete_models",
    "complete_run_dirs",
]


def _registry(ctx: click.Context) -> Any:
    from openzoo.cli import context_registry

    return context_registry(ctx)


def _names(
    kind: str, with_presets: bool = False
) -> Callable[[click.Context, click.Parameter, str], list[CompletionItem]]:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        try:
            registry = _registry(ctx)
            specs = registry.list(kind)
        except Exception:  # noqa: BLE001 -- completion must never print a traceback into the shell
            return []
        from openzoo.plugins import spec_summary

        items = []
        for spec in specs:
            candidates = [spec.name]
            if with_presets:
                candidates += [f"{spec.name}.{preset.name}" for preset in spec.presets]
            items += [
                CompletionItem(name, help=spec_summary(spec)) for name in candidates if name.startswith(incomplete)
            ]
        if kind == "loggers" and "jsonl".startswith(incomplete):
            items.insert(0, CompletionItem("jsonl", help="metrics.jsonl (always written)"))
        if kind == "devices" and "auto".startswith(incomplete):
            items.insert(0, CompletionItem("auto", help="the best available device"))
        return items

    return complete


#: ``MODEL[.PRESET]`` arguments.
complete_models = _names("models", with_presets=True)
#: ``--dataset``.
complete_datasets = _names("datasets")
#: ``--metric`` and ``--select-metric``.
complete_metrics = _names("metrics")
#: ``--device``.
complete_devices = _names("devices")
#: ``--logger``.
complete_loggers = _names("loggers")


def complete_component_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Complete the name of any installed component (``openzoo info NAME``)."""
    try:
        names = _registry(ctx).all_names()
    except Exception:  # noqa: BLE001 -- completion must never print a traceback into the shell
        return []
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]


def complete_run_dirs(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Complete directories, run directories (holding ``config.json``) first; others end with ``/`` to descend."""
    if not incomplete or incomplete.endswith("/"):
        base, prefix = Path(incomplete or "."), incomplete
    else:
        parent = os.path.dirname(incomplete)
        base, prefix = Path(parent or "."), (parent + "/" if parent else "")
    try:
        children = sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    runs, others = [], []
    for child in children:
        text = prefix + child.name
        if not text.startswith(incomplete):
            continue
        if (child / "config.json").is_file():
            runs.append(CompletionItem(text, help="run directory"))
        else:
            others.append(CompletionItem(text + "/"))
    return runs + others
