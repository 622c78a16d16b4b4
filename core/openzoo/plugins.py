"""Plugin discovery and the registry of components.

:func:`load_registry` builds a pluggy manager, loads every plugin named by an
entry point in the ``openzoo`` group (plus core's builtins, through the very
same path), calls each plugin's hooks one at a time and collects their specs
into a :class:`Registry`. A plugin that fails in any way -- it does not import,
declares an incompatible core range, misspells a hook, raises in a hook, returns
invalid specs or clashes with another plugin -- is recorded with its reason and
every other plugin keeps working. ``OPENZOO_STRICT_PLUGINS=1`` turns those
records into one :class:`~openzoo.PluginError`; ``OPENZOO_DISABLE_PLUGINS=a,b``
skips plugins by entry-point or distribution name.

Nothing here imports torch, and listing never resolves a spec's lazy reference.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import importlib
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, final

import pluggy

from openzoo import hookspecs
from openzoo.errors import BadInputError, PluginError, StrictPluginsError, UnknownNameError
from openzoo.specs import DatasetSpec, DeviceSpec, MetricSpec, ModelSpec, Origin, TaskSpec

__all__ = [
    "KINDS",
    "PluginRecord",
    "PluginSource",
    "Registry",
    "default_registry",
    "entry_point_sources",
    "load_registry",
    "resolve_reference",
]

#: Component kinds, in the order listings show them, with the hook and spec type of each.
KINDS: dict[str, tuple[str, type]] = {
    "tasks": ("openzoo_tasks", TaskSpec),
    "models": ("openzoo_models", ModelSpec),
    "datasets": ("openzoo_datasets", DatasetSpec),
    "metrics": ("openzoo_metrics", MetricSpec),
    "devices": ("openzoo_devices", DeviceSpec),
}
_SINGULAR = {"tasks": "task", "models": "model", "datasets": "dataset", "metrics": "metric", "devices": "device"}
_HOOK_NAMES = {hook for hook, _ in KINDS.values()}
Status = Literal["ok", "broken", "disabled"]


@final
@dataclass(frozen=True, slots=True)
class PluginSource:
    """One plugin to load: what an entry point says, without importing anything.

    Tests build these directly to feed :func:`load_registry` fake plugins.
    """

    #: Entry-point name (the plugin's name).
    name: str
    #: Distribution that declares the entry point.
    dist: str
    #: Version of that distribution.
    version: str
    #: Imports and returns the plugin object (a module with hook implementations).
    load: Callable[[], object]
    #: The distribution's ``Requires-Dist`` lines, read for its ``openzoo`` range.
    requires: tuple[str, ...] = ()
    #: True for core's own builtin plugin.
    builtin: bool = False
    #: The entry point's value, for messages (``openzoo_vit.plugin``).
    value: str = ""


@final
@dataclass(slots=True)
class PluginRecord:
    """What ``openzoo plugins`` shows for one plugin."""

    #: Entry-point name.
    name: str
    #: Distribution name and version.
    dist: str
    version: str
    #: ``ok``, ``broken`` (see :attr:`problems`) or ``disabled``.
    status: Status = "ok"
    #: Why the plugin, or some of its components, cannot be used; each says what to do.
    problems: list[str] = field(default_factory=list)
    #: Component names the plugin provides, by kind.
    provides: dict[str, list[str]] = field(default_factory=dict)
    #: True for core's builtin plugin.
    builtin: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _core_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("openzoo")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0"


def entry_point_sources(group: str = hookspecs.PROJECT_NAME) -> list[PluginSource]:
    """Return a :class:`PluginSource` for every entry point in ``group``, reading metadata only."""
    from importlib.metadata import entry_points

    sources = []
    for ep in entry_points(group=group):
        dist = ep.dist
        name = dist.metadata["Name"] if dist is not None else "unknown"
        version = dist.version if dist is not None else "0"
        requires = tuple(dist.requires or ()) if dist is not None else ()
        sources.append(
            PluginSource(name=ep.name, dist=name, version=version, load=ep.load, requires=requires, value=ep.value)
        )
    return sources


def builtin_source() -> PluginSource:
    """Return the source of core's builtin plugin (devices, metrics, tasks, toy datasets)."""
    return PluginSource(
        name="builtin",
        dist="openzoo",
        version=_core_version(),
        load=lambda: importlib.import_module("openzoo.builtin"),
        builtin=True,
        value="openzoo.builtin",
    )


def _incompatible_core(source: PluginSource, core_version: str) -> str | None:
    """Return why ``source``'s declared ``openzoo`` range excludes this core, or ``None``."""
    if not source.requires:
        return None
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    for line in source.requires:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(req.name) != "openzoo":
            continue
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        if req.specifier and not req.specifier.contains(core_version, prereleases=True):
            return (
                f"requires openzoo{req.specifier} but openzoo {core_version} is installed; "
                f"install a release of {source.dist} made for this core, or a core in that range"
            )
    return None


def _describe_exception(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class _Loader:
    """Loads plugins into one pluggy manager and collects their specs."""

    def __init__(self, disabled: set[str]) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.disabled = disabled
        for name in disabled:
            self.pm.set_blocked(name)
        self.records: list[PluginRecord] = []
        self.specs: list[tuple[PluginRecord, str, Any]] = []  # (record, kind, spec)

    def load(self, source: PluginSource, core_version: str) -> None:
        record = PluginRecord(name=source.name, dist=source.dist, version=source.version, builtin=source.builtin)
        self.records.append(record)
        if source.name in self.disabled or source.dist in self.disabled:
            record.status = "disabled"
            record.problems.append("disabled by OPENZOO_DISABLE_PLUGINS")
            return
        if self.pm.has_plugin(source.name):
            self._broken(
                record, f"another plugin is already registered under the name {source.name!r}; rename one entry point"
            )
            return
        reason = _incompatible_core(source, core_version)
        if reason:
            self._broken(record, reason)
            return
        try:
            plugin = source.load()
        except Exception as exc:  # noqa: BLE001 -- any import failure is the plugin's problem
            where = f" ({source.value})" if source.value else ""
            self._broken(
                record, f"failed to import{where}: {_describe_exception(exc)}; reinstall it or report to its authors"
            )
            return
        problem = self._unknown_hooks(plugin)
        if problem:
            self._broken(record, problem)
            return
        try:
            self.pm.register(plugin, name=source.name)
        except Exception as exc:  # noqa: BLE001 -- PluginValidationError, ValueError
            self._broken(record, f"invalid hook implementation: {_describe_exception(exc)}")
            return
        origin = Origin(dist=source.dist, version=source.version, plugin=source.name, builtin=source.builtin)
        collected: list[tuple[str, Any]] = []
        for kind, (hook_name, spec_type) in KINDS.items():
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                if impl.plugin_name != source.name:
                    continue
                try:
                    result = impl.function()
                except Exception as exc:  # noqa: BLE001
                    self._broken(record, f"hook {hook_name} raised {_describe_exception(exc)}")
                    self.pm.unregister(name=source.name)
                    return
                problem = self._check_result(hook_name, spec_type, result)
                if problem:
                    self._broken(record, problem)
                    self.pm.unregister(name=source.name)
                    return
                collected.extend((kind, dataclasses.replace(spec, origin=origin)) for spec in result)
        seen: set[tuple[str, str]] = set()
        for kind, spec in collected:
            if (kind, spec.name) in seen:
                self._broken(record, f"declares {_SINGULAR[kind]} {spec.name!r} twice; keep one")
                self.pm.unregister(name=source.name)
                return
            seen.add((kind, spec.name))
        for kind, spec in collected:  # validate, then commit
            self.specs.append((record, kind, spec))
            record.provides.setdefault(kind, []).append(spec.name)

    def _unknown_hooks(self, plugin: object) -> str | None:
        for attr in dir(plugin):
            if not attr.startswith("openzoo_"):
                continue
            if self.pm.parse_hookimpl_opts(plugin, attr) is None or attr in _HOOK_NAMES:
                continue
            close = difflib.get_close_matches(attr, sorted(_HOOK_NAMES), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known hooks: {', '.join(sorted(_HOOK_NAMES))}"
            return f"implements unknown hook {attr!r}; {hint}"
        return None

    @staticmethod
    def _check_result(hook_name: str, spec_type: type, result: object) -> str | None:
        if not isinstance(result, (list, tuple)):
            return f"hook {hook_name} must return a list of {spec_type.__name__}; got {type(result).__name__}"
        for item in result:
            if not isinstance(item, spec_type):
                return f"hook {hook_name} must return a list of {spec_type.__name__}; got an item of type {type(item).__name__}"
        return None

    @staticmethod
    def _broken(record: PluginRecord, reason: str) -> None:
        record.status = "broken"
        record.problems.append(reason)


def _natural_key(text: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


@final
class Registry:
    """The components of every loaded plugin, by kind and name.

    ``get(kind, name)`` accepts a plain name or ``dist:name``. A name that two
    plugins provide is unavailable under its plain name (both are reported);
    each stays reachable as ``dist:name``.
    """

    def __init__(self, records: list[PluginRecord], specs: list[tuple[PluginRecord, str, Any]]) -> None:
        self.plugins: list[PluginRecord] = records
        self._by_name: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        self._qualified: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        self._clashes: dict[str, dict[str, list[Any]]] = {kind: {} for kind in KINDS}
        providers: dict[tuple[str, str], list[tuple[PluginRecord, Any]]] = {}
        for record, kind, spec in specs:
            providers.setdefault((kind, spec.name), []).append((record, spec))
            self._qualified[kind][f"{spec.origin.dist}:{spec.name}"] = spec
        for (kind, name), found in providers.items():
            if len(found) == 1:
                self._by_name[kind][name] = found[0][1]
                continue
            self._clashes[kind][name] = [spec for _, spec in found]
            options = " or ".join(f"'{spec.origin.dist}:{name}'" for _, spec in found)
            for record, spec in found:
                others = ", ".join(str(s.origin) for _, s in found if s is not spec)
                record.status = "broken" if record.status == "ok" else record.status
                record.problems.append(
                    f"{_SINGULAR[kind]} {name!r} is also provided by {others}; it is unavailable under its "
                    f"plain name: select one with {options}, or uninstall one plugin"
                )
        self._resolved: dict[str, Any] = {}
        self._lock = threading.Lock()

    # -- lookups -----------------------------------------------------------

    def problems(self) -> list[str]:
        """Return every plugin problem as ``plugin (dist version): reason`` lines."""
        return [
            f"{r.name} ({r.dist} {r.version}): {p}" for r in self.plugins if r.status == "broken" for p in r.problems
        ]

    def names(self, kind: str) -> list[str]:
        """Return the selectable names of ``kind`` (plain names, and ``dist:name`` for clashes)."""
        names = list(self._by_name[kind])
        for name, specs in self._clashes[kind].items():
            names.extend(f"{spec.origin.dist}:{name}" for spec in specs)
        return sorted(names, key=_natural_key)

    def get(self, kind: str, name: str) -> Any:
        """Return the spec of ``kind`` called ``name`` (or ``dist:name``).

        :raises UnknownNameError: with close matches and the available names.
        :raises BadInputError: when two plugins provide ``name``.
        """
        if kind not in KINDS:
            raise BadInputError(f"unknown component kind {kind!r}; choose one of {', '.join(KINDS)}")
        singular = _SINGULAR[kind]
        if ":" in name:
            spec = self._qualified[kind].get(name)
            if spec is None:
                raise UnknownNameError(singular, name, list(self._qualified[kind]))
            return spec
        if name in self._by_name[kind]:
            return self._by_name[kind][name]
        if name in self._clashes[kind]:
            choices = " or ".join(f"'{s.origin.dist}:{name}'" for s in self._clashes[kind][name])
            raise BadInputError(f"{singular} {name!r} is provided by several plugins; select one with {choices}")
        broken = [r for r in self.plugins if r.status == "broken"]
        hint = f"{len(broken)} plugin(s) are broken; run 'openzoo plugins' to see why." if broken else ""
        raise UnknownNameError(singular, name, self.names(kind), hint=hint)

    def task(self, name: str) -> TaskSpec:
        return self.get("tasks", name)

    def model(self, name: str) -> ModelSpec:
        return self.get("models", name)

    def dataset(self, name: str) -> DatasetSpec:
        return self.get("datasets", name)

    def metric(self, name: str) -> MetricSpec:
        return self.get("metrics", name)

    def device(self, name: str) -> DeviceSpec:
        return self.get("devices", name)

    def list(self, kind: str, *, task: str | None = None, pattern: str | None = None) -> list[Any]:
        """Return the specs of ``kind``, naturally sorted, filtered by task and shell-style pattern."""
        if kind not in KINDS:
            raise BadInputError(f"unknown component kind {kind!r}; choose one of {', '.join(KINDS)}")
        specs = list(self._by_name[kind].values())
        for clashing in self._clashes[kind].values():
            specs.extend(clashing)
        if task is not None:
            self.task(task)  # unknown task -> did-you-mean
            specs = [s for s in specs if _spec_tasks(kind, s) and task in _spec_tasks(kind, s)]
        if pattern:
            specs = [s for s in specs if fnmatch.fnmatchcase(s.name, pattern)]
        return sorted(specs, key=lambda s: (_natural_key(s.name), s.origin.dist if s.origin else ""))

    def find(self, name: str) -> list[tuple[str, Any]]:
        """Return ``(kind, spec)`` for every component called ``name`` (for ``openzoo info``)."""
        found = []
        for kind in KINDS:
            try:
                found.append((kind, self.get(kind, name)))
            except BadInputError:
                if ":" not in name and name in self._clashes[kind]:
                    found.extend((kind, s) for s in self._clashes[kind][name])
        return found

    def all_names(self) -> list[str]:
        return sorted({n for kind in KINDS for n in self.names(kind)}, key=_natural_key)

    # -- lazy references ---------------------------------------------------

    def resolve(self, spec: Any, attr: str | None = None) -> Any:
        """Import and return what ``spec``'s lazy reference names (cached).

        :raises PluginError: naming the plugin when the reference does not import.
        """
        attr = attr or next(a for a in ("factory", "loader", "backend") if hasattr(spec, a))
        reference = getattr(spec, attr)
        cached = self._resolved.get(reference)
        if cached is not None:
            return cached
        with self._lock:
            if reference not in self._resolved:
                self._resolved[reference] = resolve_reference(reference, owner=_describe_spec(spec))
            return self._resolved[reference]


def _spec_tasks(kind: str, spec: Any) -> tuple[str, ...]:
    if kind == "tasks":
        return (spec.name,)
    if kind == "metrics":
        return tuple(spec.tasks)
    if kind == "devices":
        return ()
    return (spec.task,)


def _describe_spec(spec: Any) -> str:
    origin = f"{spec.origin.dist}:" if getattr(spec, "origin", None) else ""
    return f"{origin}{spec.name}"


def resolve_reference(reference: str, owner: str = "") -> Any:
    """Import ``package.module:attr.sub`` and return the attribute."""
    module_name, _, attr_path = reference.partition(":")
    where = f"{owner}: " if owner else ""
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise PluginError(
            f"{where}cannot import {module_name!r} for {reference!r}: {_describe_exception(exc)}"
        ) from exc
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise PluginError(f"{where}{reference!r}: module {module_name!r} has no attribute {attr_path!r}") from exc
    return obj


def _env_list(name: str, environ: Mapping[str, str]) -> set[str]:
    return {part.strip() for part in environ.get(name, "").split(",") if part.strip()}


def load_registry(
    sources: Iterable[PluginSource] | None = None,
    *,
    builtins: bool = True,
    disabled: Iterable[str] | None = None,
    strict: bool | None = None,
    environ: Mapping[str, str] | None = None,
) -> Registry:
    """Discover plugins and return a fresh :class:`Registry`.

    :param sources: plugins to load; ``None`` reads the ``openzoo`` entry points.
    :param builtins: load core's builtin plugin first (tests may turn it off).
    :param disabled: plugin or distribution names to skip; ``None`` reads ``OPENZOO_DISABLE_PLUGINS``.
    :param strict: raise on any plugin problem; ``None`` reads ``OPENZOO_STRICT_PLUGINS``.
    :raises StrictPluginsError: in strict mode, listing every problem.
    """
    environ = os.environ if environ is None else environ
    if disabled is None:
        disabled = _env_list("OPENZOO_DISABLE_PLUGINS", environ)
    if strict is None:
        strict = environ.get("OPENZOO_STRICT_PLUGINS", "").strip().lower() in {"1", "true", "yes", "on"}
    loader = _Loader(set(disabled))
    core_version = _core_version()
    all_sources: list[PluginSource] = [builtin_source()] if builtins else []
    all_sources.extend(entry_point_sources() if sources is None else sources)
    for source in all_sources:
        loader.load(source, core_version)
    registry = Registry(loader.records, loader.specs)
    if strict and registry.problems():
        lines = "\n  ".join(registry.problems())
        raise StrictPluginsError(f"plugin problems (OPENZOO_STRICT_PLUGINS is set):\n  {lines}")
    return registry


_default: Registry | None = None
_default_lock = threading.Lock()


def default_registry() -> Registry:
    """Return the process-wide registry, loading plugins on first call."""
    global _default
    with _default_lock:
        if _default is None:
            _default = load_registry()
        return _default


def split_model_name(name: str) -> tuple[str, str | None]:
    """Split ``arch.preset`` into ``("arch", "preset")``; ``("arch", None)`` without a tag."""
    base, dot, tag = name.partition(".")
    return (base, tag or None) if dot else (name, None)


def spec_summary(spec: Any) -> str:
    """Return the first sentence of a spec's description, for listings."""
    first = spec.description.strip().split(". ")[0].rstrip(".")
    return first
