"""Loading plugins one at a time into a pluggy manager, isolating every failure.

Each plugin is imported, registered, checked for unknown hooks and asked for its
specs inside its own ``try``. A plugin that fails at any step -- including one
that calls ``sys.exit`` -- is recorded as broken with a reason the user can act
on, is unregistered, and contributes nothing: its specs are validated all
together before any is accepted. While a plugin imports and answers its hooks,
whatever it prints goes to stderr (stdout carries ``--json`` results), and the
time it takes is recorded: every ``openzoo`` command pays it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, final

import pluggy

from openzoo import hookspecs
from openzoo.plugins._discovery import PluginSource, canonical_dist, incompatible_core
from openzoo.specs import DatasetSpec, DeviceSpec, LoggerSpec, MetricSpec, ModelSpec, Origin, TaskSpec

__all__ = [
    "KINDS",
    "SINGULAR",
    "SLOW_IMPORT_SECONDS",
    "PluginLoader",
    "PluginRecord",
    "Status",
    "describe_exception",
]

#: Component kinds, in the order listings show them, with the hook and spec type of each.
KINDS: dict[str, tuple[str, type]] = {
    "tasks": ("openzoo_tasks", TaskSpec),
    "models": ("openzoo_models", ModelSpec),
    "datasets": ("openzoo_datasets", DatasetSpec),
    "metrics": ("openzoo_metrics", MetricSpec),
    "devices": ("openzoo_devices", DeviceSpec),
    "loggers": ("openzoo_loggers", LoggerSpec),
}
#: The singular of each kind, for messages (``unknown model 'vit'``).
SINGULAR = {
    "tasks": "task",
    "models": "model",
    "datasets": "dataset",
    "metrics": "metric",
    "devices": "device",
    "loggers": "logger",
}
_HOOK_NAMES = sorted(hook for hook, _ in KINDS.values())
Status = Literal["ok", "broken", "disabled"]
#: A plugin taking longer than this (seconds) to import and answer its hooks is flagged as slow.
SLOW_IMPORT_SECONDS = 1.0


@final
@dataclass(slots=True)
class PluginRecord:
    """What ``openzoo plugins`` shows for one plugin."""

    #: Entry-point name.
    name: str
    #: Distribution name, as its metadata spells it.
    dist: str
    #: Version of the distribution.
    version: str
    #: ``ok``, ``broken`` (see :attr:`problems`) or ``disabled``.
    status: Status = "ok"
    #: Why the plugin, or some of its components, cannot be used; each says what to do. A plugin
    #: can be ``ok`` and still have problems: a name it shares with another plugin is usable only
    #: as ``dist:name``.
    problems: list[str] = field(default_factory=list)
    #: Component names the plugin provides, by kind.
    provides: dict[str, list[str]] = field(default_factory=dict)
    #: True for core's builtin plugin.
    builtin: bool = False
    #: Seconds the plugin took to import and answer its hooks; ``None`` when it was not imported.
    import_seconds: float | None = None
    #: True when :attr:`import_seconds` is over the loader's threshold (:data:`SLOW_IMPORT_SECONDS`).
    slow: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the record as plain JSON-serialisable data."""
        return dataclasses.asdict(self)

    def mark_broken(self, reason: str) -> None:
        """Record ``reason`` and set the status to ``broken`` (a disabled plugin stays disabled)."""
        if self.status == "ok":
            self.status = "broken"
        self.problems.append(reason)


def describe_exception(exc: BaseException) -> str:
    """Return ``Type: message`` on one line (multi-line messages are joined with ``; ``)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return f"{type(exc).__name__}: {'; '.join(lines)}" if lines else type(exc).__name__


class PluginLoader:
    """Loads plugins into one pluggy manager and collects their specs.

    :param disabled: plugin or distribution names to skip.
    :param core_version: the installed core version, checked against each plugin's range.
    :param clock: returns seconds; measures each plugin's import (tests pass a fake).
    :param slow_after: import seconds over which a plugin is flagged as slow.
    """

    def __init__(
        self,
        disabled: set[str],
        core_version: str,
        *,
        clock: Callable[[], float] = time.perf_counter,
        slow_after: float = SLOW_IMPORT_SECONDS,
    ) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.core_version = core_version
        self.clock = clock
        self.slow_after = slow_after
        self.disabled = {canonical_dist(name) for name in disabled}
        for name in disabled:
            self.pm.set_blocked(name)
        #: One record per source, in load order.
        self.records: list[PluginRecord] = []
        #: Every accepted spec with its record and kind.
        self.specs: list[tuple[PluginRecord, str, Any]] = []

    def load(self, source: PluginSource) -> PluginRecord:
        """Load ``source``; any failure becomes a problem on the returned record."""
        record = PluginRecord(name=source.name, dist=source.dist, version=source.version, builtin=source.builtin)
        self.records.append(record)
        if canonical_dist(source.name) in self.disabled or canonical_dist(source.dist) in self.disabled:
            record.status = "disabled"
            record.problems.append("disabled by OPENZOO_DISABLE_PLUGINS")
            return record
        if self.pm.has_plugin(source.name):
            owner = next(r for r in self.records if r.name == source.name and r is not record)
            record.mark_broken(
                f"the plugin name {source.name!r} is already taken by {owner.dist} {owner.version}; "
                "rename one of the two entry points"
            )
            return record
        reason = incompatible_core(source, self.core_version)
        if reason:
            record.mark_broken(reason)
            return record
        started = self.clock()
        try:
            with contextlib.redirect_stdout(sys.stderr):  # a print at import must not corrupt --json output
                collected, reason = self._import_and_collect(source)
        finally:
            record.import_seconds = max(0.0, self.clock() - started)
            record.slow = record.import_seconds > self.slow_after
        if reason:
            record.mark_broken(reason)
            return record
        for kind, spec in collected:  # validate, then commit
            self.specs.append((record, kind, spec))
            record.provides.setdefault(kind, []).append(spec.name)
        return record

    def _import_and_collect(self, source: PluginSource) -> tuple[list[tuple[str, Any]], str | None]:
        """Import, register and ask ``source`` for its specs; return them, or why the plugin is broken."""
        try:
            plugin = source.load()
        except (Exception, SystemExit) as exc:  # noqa: BLE001 -- any import failure is the plugin's problem
            where = f" {source.value}" if source.value else ""
            exited = " (it called sys.exit)" if isinstance(exc, SystemExit) else ""
            return [], (
                f"failed to import{where}: {describe_exception(exc)}{exited}; "
                f"install what it needs, reinstall {source.dist}, or disable it with OPENZOO_DISABLE_PLUGINS={source.name}"
            )
        reason = self._register(plugin, source.name)
        if reason:
            return [], reason
        collected, reason = self._collect(source)
        if reason:
            self.pm.unregister(name=source.name)
            return [], reason
        return collected, None

    def _register(self, plugin: object, name: str) -> str | None:
        """Register ``plugin``; return why it cannot be, leaving the manager unchanged."""
        unmarked = self._unmarked_hooks(plugin)
        if unmarked:
            return unmarked
        try:
            self.pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            detail = "; ".join(lines[1:] if len(lines) > 1 and lines[0].startswith("Plugin ") else lines)
            hint = "; openzoo hooks take no arguments" if "Argument(s)" in detail else ""
            return f"invalid hook implementation: {detail}{hint}"
        except ValueError as exc:  # the same module object behind two entry points
            return f"cannot register: {str(exc).splitlines()[0]}; give each entry point its own module"
        for caller in self.pm.get_hookcallers(plugin) or []:  # check_pending, for this plugin only
            mine = [impl for impl in caller.get_hookimpls() if impl.plugin is plugin]
            if caller.has_spec() or all(impl.optionalhook for impl in mine):
                continue
            close = difflib.get_close_matches(caller.name, _HOOK_NAMES, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"the hooks are {', '.join(_HOOK_NAMES)}"
            self.pm.unregister(name=name)
            return f"implements unknown hook {caller.name!r}; {hint}"
        return None

    def _unmarked_hooks(self, plugin: object) -> str | None:
        """Return a problem when a function is named like a hook but lacks the ``@hookimpl`` marker."""
        for hook_name in _HOOK_NAMES:
            function = getattr(plugin, hook_name, None)
            if callable(function) and self.pm.parse_hookimpl_opts(plugin, hook_name) is None:
                return f"{hook_name} is not marked as a hook implementation; decorate it with @openzoo.hookimpl"
        return None

    def _collect(self, source: PluginSource) -> tuple[list[tuple[str, Any]], str | None]:
        """Call each of the plugin's hooks on its own and return its specs, or why they are invalid."""
        origin = Origin(dist=source.dist, version=source.version, plugin=source.name, builtin=source.builtin)
        collected: list[tuple[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for kind, (hook_name, spec_type) in KINDS.items():
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                if impl.plugin_name != source.name:
                    continue
                try:
                    result = impl.function()
                except (Exception, SystemExit) as exc:  # noqa: BLE001 -- a raising hook is the plugin's problem
                    return [], f"hook {hook_name} raised {describe_exception(exc)}; fix the plugin or report it"
                if not isinstance(result, (list, tuple)):
                    return [], (
                        f"hook {hook_name} must return a list of {spec_type.__name__}; got {type(result).__name__}"
                    )
                for spec in result:
                    if not isinstance(spec, spec_type):
                        return [], (
                            f"hook {hook_name} must return a list of {spec_type.__name__}; "
                            f"got an item of type {type(spec).__name__}"
                        )
                    if (kind, spec.name) in seen:
                        return [], f"declares {SINGULAR[kind]} {spec.name!r} twice; keep one"
                    seen.add((kind, spec.name))
                    collected.append((kind, dataclasses.replace(spec, origin=origin)))
        return collected, None
