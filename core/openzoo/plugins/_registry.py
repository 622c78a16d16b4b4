"""The registry: every loaded component by kind and name, and lazy resolution.

Lookups accept a plain name or ``dist:name``. A name that two plugins provide is
unavailable under its plain name (the clash is reported on both plugins, neither
wins, neither is marked broken) and stays reachable as ``dist:name``: runs record
the distribution of each component, so a plugin installed later with the same
name does not change what an existing run loads. Unknown names raise with close matches.
Listing reads specs only; :meth:`Registry.resolve` imports a spec's lazy
reference the first time a component is used.
"""

from __future__ import annotations

import contextlib
import fnmatch
import importlib
import re
import sys
import threading
from typing import Any, final

from openzoo.errors import BadInputError, PluginError, UnknownNameError
from openzoo.plugins._discovery import canonical_dist
from openzoo.plugins._loader import KINDS, SINGULAR, PluginRecord, describe_exception
from openzoo.specs import DatasetSpec, DeviceSpec, LoggerSpec, MetricSpec, ModelSpec, TaskSpec

__all__ = [
    "TASKLESS_KINDS",
    "Registry",
    "natural_key",
    "resolve_reference",
    "spec_summary",
    "spec_tasks",
    "split_model_name",
]

#: Kinds whose components serve every task (a task filter keeps them all).
TASKLESS_KINDS = ("devices", "loggers")


def natural_key(text: str) -> list[Any]:
    """Sort key that orders embedded numbers by value: ``gpt2 < gpt10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def spec_tasks(kind: str, spec: Any) -> tuple[str, ...]:
    """Return the task names a spec belongs to (empty for devices, which serve every task)."""
    if kind == "tasks":
        return (spec.name,)
    if kind == "metrics":
        return tuple(spec.tasks)
    if kind in TASKLESS_KINDS:
        return ()
    return (spec.task,)


def split_model_name(name: str) -> tuple[str, str | None]:
    """Split ``arch.preset`` into ``("arch", "preset")``; ``("arch", None)`` without a tag."""
    base, dot, tag = name.partition(".")
    return (base, tag or None) if dot else (name, None)


def spec_summary(spec: Any) -> str:
    """Return the first sentence of a spec's description (without its full stop), for listings."""
    text = " ".join(spec.description.split())
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        ends = char in ".!?" and depth <= 0 and text[i + 1 : i + 2] == " " and text[i + 2 : i + 3].isupper()
        if ends:
            return text[:i] if char == "." else text[: i + 1]
    return text[:-1] if text.endswith(".") else text


def qualified_name(spec: Any) -> str:
    """Return ``dist:name`` for a spec with an origin, else its plain name."""
    return f"{spec.origin.dist}:{spec.name}" if getattr(spec, "origin", None) else spec.name


def resolve_reference(reference: str, owner: str = "") -> Any:
    """Import ``package.module:attr.sub`` and return the attribute.

    What the module prints while it imports goes to stderr (stdout carries results such as ``--json``).

    :raises PluginError: naming ``owner`` when the module does not import (or calls ``sys.exit``)
        or lacks the attribute.
    """
    module_name, _, attr_path = reference.partition(":")
    where = f"{owner}: " if owner else ""
    try:
        with contextlib.redirect_stdout(sys.stderr):
            obj: Any = importlib.import_module(module_name)
    except (Exception, SystemExit) as exc:
        raise PluginError(
            f"{where}cannot import {module_name!r} for {reference!r}: {describe_exception(exc)}; "
            "install what it needs or reinstall the plugin"
        ) from exc
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise PluginError(f"{where}{reference!r}: module {module_name!r} has no attribute {attr_path!r}") from exc
    return obj


@final
class Registry:
    """The components of every loaded plugin, by kind and name."""

    def __init__(self, records: list[PluginRecord], specs: list[tuple[PluginRecord, str, Any]]) -> None:
        #: Every plugin that was found, loaded or not, in load order.
        self.plugins: list[PluginRecord] = records
        self._by_name: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        self._qualified: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        self._clashes: dict[str, dict[str, list[Any]]] = {kind: {} for kind in KINDS}
        providers: dict[tuple[str, str], list[tuple[PluginRecord, Any]]] = {}
        for record, kind, spec in specs:
            providers.setdefault((kind, spec.name), []).append((record, spec))
            self._qualified[kind][f"{canonical_dist(spec.origin.dist)}:{spec.name}"] = spec
        for (kind, name), found in providers.items():
            if len(found) == 1:
                self._by_name[kind][name] = found[0][1]
            else:
                self._report_clash(kind, name, found)
        self._check_task_references(specs)
        self._resolved: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _report_clash(self, kind: str, name: str, found: list[tuple[PluginRecord, Any]]) -> None:
        self._clashes[kind][name] = [spec for _, spec in found]
        options = " or ".join(f"'{spec.origin.dist}:{name}'" for _, spec in found)
        for record, spec in found:
            others = ", ".join(str(s.origin) for _, s in found if s is not spec)
            record.problems.append(  # a problem, not a breakage: the plugin's components all stay usable
                f"{SINGULAR[kind]} {name!r} is also provided by {others}, so neither is available under the "
                f"plain name; select one with {options}, or uninstall one of the plugins "
                "(existing runs keep loading the one they were trained with)"
            )

    def _check_task_references(self, specs: list[tuple[PluginRecord, str, Any]]) -> None:
        known = set(self._by_name["tasks"]) | set(self._clashes["tasks"])
        for record, kind, spec in specs:
            missing = [task for task in spec_tasks(kind, spec) if task not in known]
            for task in missing:
                record.mark_broken(
                    f"{SINGULAR[kind]} {spec.name!r} is for task {task!r}, which no loaded plugin defines; "
                    "install the plugin that defines it or fix the task name"
                )

    # -- plugins -----------------------------------------------------------

    def problems(self) -> list[str]:
        """Return every plugin problem (broken plugins and clashing names) as ``plugin (dist version): reason`` lines."""
        return [
            f"{r.name} ({r.dist} {r.version}): {p}" for r in self.plugins if r.status != "disabled" for p in r.problems
        ]

    # -- lookups -----------------------------------------------------------

    def names(self, kind: str) -> list[str]:
        """Return the selectable names of ``kind`` (plain names, and ``dist:name`` for clashes), sorted naturally."""
        self._check_kind(kind)
        names = list(self._by_name[kind])
        for specs in self._clashes[kind].values():
            names.extend(qualified_name(spec) for spec in specs)
        return sorted(names, key=natural_key)

    def all_names(self) -> list[str]:
        """Return the selectable names of every kind, sorted naturally."""
        return sorted({n for kind in KINDS for n in self.names(kind)}, key=natural_key)

    def get(self, kind: str, name: str) -> Any:
        """Return the spec of ``kind`` called ``name`` (or ``dist:name``).

        :raises UnknownNameError: with close matches and the available names.
        :raises BadInputError: when two plugins provide ``name`` (the message names both ``dist:name``).
        """
        self._check_kind(kind)
        singular = SINGULAR[kind]
        if ":" in name:
            return self._get_qualified(kind, name)
        if name in self._by_name[kind]:
            return self._by_name[kind][name]
        if name in self._clashes[kind]:
            providers = self._clashes[kind][name]
            choices = " or ".join(f"'{qualified_name(s)}'" for s in providers)
            origins = ", ".join(str(s.origin) for s in providers)
            raise BadInputError(
                f"{singular} {name!r} is provided by several plugins ({origins}); select one with {choices}"
            )
        raise UnknownNameError(singular, name, self.names(kind), hint=self._broken_hint())

    def _get_qualified(self, kind: str, name: str) -> Any:
        dist, _, plain = name.partition(":")
        spec = self._qualified[kind].get(f"{canonical_dist(dist)}:{plain}")
        if spec is not None:
            return spec
        same_dist = [s for s in self._qualified[kind].values() if canonical_dist(s.origin.dist) == canonical_dist(dist)]
        if not same_dist:
            dists = {canonical_dist(s.origin.dist) for s in self._qualified[kind].values()}
            raise UnknownNameError(f"{SINGULAR[kind]} distribution", dist, dists, hint=self._broken_hint())
        label = f"{same_dist[0].origin.dist} {SINGULAR[kind]}"
        raise UnknownNameError(label, plain, [s.name for s in same_dist], hint=self._broken_hint())

    def task(self, name: str) -> TaskSpec:
        """Return the task called ``name`` (see :meth:`get`)."""
        return self.get("tasks", name)

    def model(self, name: str) -> ModelSpec:
        """Return the model called ``name`` (see :meth:`get`)."""
        return self.get("models", name)

    def dataset(self, name: str) -> DatasetSpec:
        """Return the dataset called ``name`` (see :meth:`get`)."""
        return self.get("datasets", name)

    def metric(self, name: str) -> MetricSpec:
        """Return the metric called ``name`` (see :meth:`get`)."""
        return self.get("metrics", name)

    def device(self, name: str) -> DeviceSpec:
        """Return the device backend called ``name`` (see :meth:`get`)."""
        return self.get("devices", name)

    def logger(self, name: str) -> LoggerSpec:
        """Return the logger called ``name`` (see :meth:`get`)."""
        return self.get("loggers", name)

    def list(self, kind: str, *, task: str | None = None, pattern: str | None = None) -> list[Any]:
        """Return the specs of ``kind``, naturally sorted, filtered by task and shell-style pattern.

        Clashing names are all listed (each selectable as ``dist:name``). The pattern
        matches the plain name or ``dist:name``. Devices serve every task, so the task
        filter keeps them all.

        :raises UnknownNameError: for an unknown kind or task.
        """
        self._check_kind(kind)
        specs = list(self._by_name[kind].values())
        for clashing in self._clashes[kind].values():
            specs.extend(clashing)
        if task is not None:
            self.task(task)  # unknown task -> did-you-mean
            specs = [s for s in specs if kind in TASKLESS_KINDS or task in spec_tasks(kind, s)]
        if pattern:
            specs = [
                s
                for s in specs
                if fnmatch.fnmatchcase(s.name, pattern) or fnmatch.fnmatchcase(qualified_name(s), pattern)
            ]
        return sorted(specs, key=lambda s: (natural_key(s.name), s.origin.dist if s.origin else ""))

    def find(self, name: str) -> list[tuple[str, Any]]:
        """Return ``(kind, spec)`` for every component called ``name`` or ``dist:name`` (for ``openzoo info``).

        Every provider of a clashing name is returned. An empty list means no component has that name.
        """
        found: list[tuple[str, Any]] = []
        for kind in KINDS:
            if ":" not in name and name in self._clashes[kind]:
                found.extend((kind, s) for s in self._clashes[kind][name])
                continue
            try:
                found.append((kind, self.get(kind, name)))
            except UnknownNameError:
                continue
        return found

    def clashes(self, kind: str) -> dict[str, list[Any]]:
        """Return the names of ``kind`` that several plugins provide, with every provider's spec."""
        self._check_kind(kind)
        return {name: list(specs) for name, specs in self._clashes[kind].items()}

    def _broken_hint(self) -> str:
        broken = sum(r.status == "broken" for r in self.plugins)
        return f"{broken} plugin(s) are broken; run 'openzoo plugins' to see why." if broken else ""

    @staticmethod
    def _check_kind(kind: str) -> None:
        if kind not in KINDS:
            raise UnknownNameError("component kind", kind, KINDS)

    # -- lazy references ---------------------------------------------------

    def resolve(self, spec: Any, attr: str | None = None) -> Any:
        """Import and return what ``spec``'s lazy reference names (cached per reference).

        :param attr: the reference field; by default ``factory``, ``loader`` or ``backend``, whichever the spec has.
        :raises PluginError: naming the component when the reference does not import.
        """
        attr = attr or next(a for a in ("factory", "loader", "backend") if hasattr(spec, a))
        reference = getattr(spec, attr)
        if reference in self._resolved:
            return self._resolved[reference]
        with self._lock:  # re-check: another thread may have resolved it meanwhile
            if reference not in self._resolved:
                self._resolved[reference] = resolve_reference(reference, owner=qualified_name(spec))
            return self._resolved[reference]
