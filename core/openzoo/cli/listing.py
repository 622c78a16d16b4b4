"""``openzoo plugins``, ``openzoo list`` and ``openzoo info``: what is installed.

These commands read specs only. They never resolve a lazy reference, so they
never import torch, transformers or a plugin's model code, and they keep working
when some plugins are broken (the reasons are shown; ``OPENZOO_STRICT_PLUGINS=1``
turns them into exit code 2).
"""

from __future__ import annotations

import difflib
from typing import Any

import click

from openzoo.cli import context_registry
from openzoo.cli.completion import complete_component_names
from openzoo.cli.render import dump_json, format_table, format_tree, output_width, to_jsonable
from openzoo.errors import UnknownNameError
from openzoo.plugins import (
    KINDS,
    SINGULAR,
    TASKLESS_KINDS,
    PluginRecord,
    Registry,
    qualified_name,
    spec_summary,
    spec_tasks,
    split_model_name,
)

__all__ = ["info", "list_components", "plugins"]

_KIND_ALIASES = {**{kind: kind for kind in KINDS}, **{singular: kind for kind, singular in SINGULAR.items()}}
#: Fields shown in the header of ``openzoo info`` (or not at all) rather than in the generic walk.
_HEADER_FIELDS = {"name", "origin", "description"}


# -- openzoo plugins ---------------------------------------------------------


def _provides_text(record: PluginRecord, names: bool) -> str:
    if not record.provides:
        return "-"
    parts = []
    for kind, provided in record.provides.items():
        if names:
            parts.append(f"{kind}: {', '.join(provided)}")
        else:
            parts.append(f"{len(provided)} {SINGULAR[kind] if len(provided) == 1 else kind}")
    return "; ".join(parts) if names else ", ".join(parts)


def _import_text(record: PluginRecord) -> str:
    if record.import_seconds is None:
        return "-"
    return f"{record.import_seconds:.2f}s" + (" slow" if record.slow else "")


def _slow_note(record: PluginRecord) -> str:
    return (
        f"slow to import ({record.import_seconds:.1f} s): every openzoo command waits for it; "
        "move heavy imports out of its hook module, or disable it with "
        f"OPENZOO_DISABLE_PLUGINS={record.name}"
    )


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per plugin) instead of a table.")
@click.option("--names", "-n", is_flag=True, help="List the names each plugin provides instead of counts.")
@click.pass_context
def plugins(ctx: click.Context, as_json: bool, names: bool) -> None:
    """Show installed plugins, their versions, health, import time and components.

    Exits 0 even when some plugins are broken: their reasons are printed under
    them and every other plugin keeps working. Set OPENZOO_STRICT_PLUGINS=1 to
    exit 2 instead (for plugin authors and CI). IMPORT is the time each plugin
    took to load, which every openzoo command pays; slow ones are flagged.
    Disable a plugin with OPENZOO_DISABLE_PLUGINS=name,...
    """
    registry = context_registry(ctx)
    if as_json:
        click.echo(dump_json([record.as_dict() for record in registry.plugins]))
        return
    rows = [
        (record.name, record.dist, record.version, record.status, _import_text(record), _provides_text(record, names))
        for record in registry.plugins
    ]
    width = output_width()
    lines = format_table(("name", "distribution", "version", "status", "import", "provides"), rows, width=width)
    click.echo(lines[0])
    for line, record in zip(lines[1:], registry.plugins):
        click.echo(line)
        for problem in record.problems:
            click.echo(f"    ! {problem}")
        if record.slow:
            click.echo(f"    ! {_slow_note(record)}")
    troubled = sum(record.status != "disabled" and bool(record.problems) for record in registry.plugins)
    if troubled:
        click.echo(
            f"{troubled} plugin(s) have problems; everything else works. "
            "Set OPENZOO_STRICT_PLUGINS=1 to make problems an error.",
            err=True,
        )


# -- openzoo list ------------------------------------------------------------


def _split_arguments(registry: Registry, kind: str | None, pattern: str | None) -> tuple[list[str], str | None]:
    """Return the kinds to list and the pattern, deciding whether the first argument is a kind."""
    if kind is None:
        return list(KINDS), pattern
    if kind.lower() in _KIND_ALIASES:
        return [_KIND_ALIASES[kind.lower()]], pattern
    # One argument that is not a kind is a pattern, unless it matches nothing and looks
    # like a misspelled kind ('modles'): then suggesting the kind helps more.
    looks_like_pattern = any(ch in kind for ch in "*?[") or any(kind in name for name in registry.all_names())
    misspelled_kind = bool(difflib.get_close_matches(kind.lower(), list(_KIND_ALIASES), n=1, cutoff=0.6))
    if pattern is None and (looks_like_pattern or not misspelled_kind):
        return list(KINDS), kind
    raise UnknownNameError("component kind", kind, list(KINDS))


def _list_row(kind: str, spec: Any, clashing: bool) -> dict[str, Any]:
    origin = spec.origin
    return {
        "name": qualified_name(spec) if clashing else spec.name,
        "kind": SINGULAR[kind],
        "tasks": list(spec_tasks(kind, spec)) if kind not in ("tasks", *TASKLESS_KINDS) else [],
        "origin": "builtin" if origin is None or origin.builtin else f"{origin.dist} {origin.version}",
        "dist": origin.dist if origin else None,
        "version": origin.version if origin else None,
        "summary": spec_summary(spec),
    }


@click.command("list")
@click.argument("kind", required=False, metavar="[models|datasets|metrics|devices|loggers|tasks]")
@click.argument("pattern", required=False)
@click.option("--task", "-t", metavar="TASK", help="Only components of this task (text-classification, ...).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: an object mapping each kind to its components.")
@click.pass_context
def list_components(ctx: click.Context, kind: str | None, pattern: str | None, task: str | None, as_json: bool) -> None:
    """List models, datasets, metrics, devices, loggers or tasks.

    Without a kind, everything is listed, grouped by kind. PATTERN is a
    shell-style pattern matched against names ('vit*', '*-text'); a plain word
    matches the names that contain it. Names that two plugins provide are listed
    as dist:name, the form that selects each.

    \b
    Examples:
      openzoo list models
      openzoo list datasets --task image-classification
      openzoo list 'toy-*'
    """
    registry = context_registry(ctx)
    kinds, pattern = _split_arguments(registry, kind, pattern)
    if pattern and not any(ch in pattern for ch in "*?["):
        pattern = f"*{pattern}*"  # a plain word matches names containing it
    if task is not None:
        registry.task(task)  # unknown task -> did-you-mean, exit 2
        if len(kinds) > 1:
            kinds = [k for k in kinds if k not in TASKLESS_KINDS]  # they serve every task: not worth repeating
    groups: dict[str, list[dict[str, Any]]] = {}
    for k in kinds:
        clashing = registry.clashes(k)
        specs = registry.list(k, task=task, pattern=pattern)
        groups[k] = [_list_row(k, spec, spec.name in clashing) for spec in specs]
    if as_json:
        click.echo(dump_json(groups))
    else:
        _echo_groups(groups, grouped=len(kinds) > 1)
    if not any(groups.values()):
        what = kinds[0] if len(kinds) == 1 else "components"
        filters = (f" matching {pattern!r}" if pattern else "") + (f" of task {task!r}" if task else "")
        click.echo(f"No {what}{filters}; see 'openzoo plugins' for what is installed.", err=True)


def _echo_groups(groups: dict[str, list[dict[str, Any]]], grouped: bool) -> None:
    width = output_width()
    first = True
    for kind, rows in groups.items():
        if not rows:
            continue
        with_task = kind not in ("tasks", *TASKLESS_KINDS)
        headers = ("name", "tasks" if kind == "metrics" else "task", "origin", "summary") if with_task else None
        table_rows = [
            (row["name"], ", ".join(row["tasks"]), row["origin"], row["summary"])
            if with_task
            else (row["name"], row["origin"], row["summary"])
            for row in rows
        ]
        indent = "  " if grouped else ""
        lines = format_table(headers or ("name", "origin", "summary"), table_rows, width=width and width - len(indent))
        if grouped:
            click.echo(("" if first else "\n") + f"{kind}:")
        click.echo("\n".join(indent + line for line in lines))
        first = False


# -- openzoo info ------------------------------------------------------------


def _option_details(option: Any) -> dict[str, Any]:
    return {
        "name": option.name,
        "type": option.type,
        "default": option.default if option.default is not None else "(not set)",
        "choices": list(option.choices),
        "range": option.range_text(),
        "help": option.help,
    }


def _preset_details(spec: Any, preset: Any, selected: str | None) -> dict[str, Any]:
    default = spec.default_preset or spec.presets[0].name
    marks = [m for m, on in (("default", preset.name == default), ("selected", preset.name == selected)) if on]
    return {
        "name": preset.name + (f" ({', '.join(marks)})" if marks else ""),
        "description": preset.description,
        "test preset": preset.test,
        "config": dict(preset.config),
        "training": dict(preset.training),
    }


def _field_details(kind: str, spec: Any, registry: Registry, selected: str | None) -> dict[str, Any]:
    """Return every spec field, labelled for people, in declaration order."""
    details: dict[str, Any] = {}
    for name in type(spec).__dataclass_fields__:
        if name in _HEADER_FIELDS:
            continue
        value = getattr(spec, name)
        label = name.replace("_", " ")
        if name == "presets":
            value = [_preset_details(spec, preset, selected) for preset in value]
        elif name in ("options", "predict_options"):
            value = [_option_details(option) for option in value]
        elif name == "higher_is_better":
            label, value = "direction", "higher is better" if value else "lower is better"
        elif name == "range":
            value = f"[{value[0]}, {value[1]}]"
        elif name == "downloads":
            value = [to_jsonable(file) for file in value] or "none (nothing to fetch)"
        elif name == "expected_failures":
            label, value = "expected failures", dict(value) or "none"
        elif name in ("default_metrics", "selection_metric") and value is None and kind == "models":
            value = _task_default(registry, spec.task, name)
        details[label] = value
    if kind == "tasks":
        for other in ("models", "datasets", "metrics"):
            details[other] = [s.name for s in registry.list(other, task=spec.name)] or "none installed"
    return details


def _task_default(registry: Registry, task: str, field_name: str) -> Any:
    try:
        value = getattr(registry.task(task), field_name)
    except UnknownNameError:
        return None
    return f"{', '.join(value) if isinstance(value, tuple) else value} (the task's default)"


def _info_record(kind: str, spec: Any, registry: Registry, selected: str | None) -> dict[str, Any]:
    origin = spec.origin
    where = "unknown" if origin is None else str(origin) if origin.builtin else f"{origin} (plugin {origin.plugin!r})"
    header = {
        "kind": SINGULAR[kind],
        "name": spec.name,
        "select as": qualified_name(spec) if spec.name in registry.clashes(kind) else None,
        "origin": where,
        "description": " ".join(spec.description.split()),
    }
    return {**header, **_field_details(kind, spec, registry, selected)}


@click.command("info")
@click.argument("name", shell_complete=complete_component_names)
@click.option("--kind", "-k", type=click.Choice(list(KINDS)), help="Only look among components of this kind.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list with one object per matching component.")
@click.pass_context
def info(ctx: click.Context, name: str, kind: str | None, as_json: bool) -> None:
    """Show everything known about one component.

    NAME is a component name ('vit', 'accuracy', 'toy-images'), dist:name to
    select the one a given distribution provides, or model.preset to highlight a
    preset. A name used by several kinds shows each (narrow it with --kind).
    """
    registry = context_registry(ctx)
    found = [(k, spec) for k, spec in registry.find(name) if kind is None or k == kind]
    selected = None
    if not found and "." in name:
        base, selected = split_model_name(name)
        spec = registry.model(base)
        spec.preset(selected)  # unknown preset -> did-you-mean, exit 2
        found = [("models", spec)]
    if not found:
        available = registry.names(kind) if kind else registry.all_names()
        broken = sum(record.status == "broken" for record in registry.plugins)
        hint = f"{broken} plugin(s) are broken; run 'openzoo plugins' to see why." if broken else ""
        raise UnknownNameError(SINGULAR[kind] if kind else "component", name, available, hint=hint)
    if as_json:
        records = []
        for k, spec in found:
            record = to_jsonable(spec)
            record["kind"] = SINGULAR[k]
            record["select_as"] = qualified_name(spec) if spec.name in registry.clashes(k) else spec.name
            records.append(record)
        click.echo(dump_json(records))
        return
    blocks = ["\n".join(format_tree(_info_record(k, spec, registry, selected))) for k, spec in found]
    click.echo("\n\n".join(blocks))
