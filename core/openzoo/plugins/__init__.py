"""Plugin discovery and the registry of components.

:func:`load_registry` builds a pluggy manager, loads every plugin named by an
entry point in the ``openzoo`` group (plus core's builtins, through the very
same path), calls each plugin's hooks one at a time and collects their specs
into a :class:`Registry`. A plugin that fails in any way -- it does not import,
declares an incompatible core range, misspells a hook, takes hook arguments that
do not exist, raises in a hook or calls ``sys.exit``, returns invalid specs --
is recorded as broken with its reason and every other plugin keeps working. A
name two plugins provide is reported on both (each stays usable as
``dist:name``, and neither plugin is marked broken). What plugins print while
they load goes to stderr, and each plugin's import time is recorded (slow ones
are flagged). ``OPENZOO_STRICT_PLUGINS=1`` turns the problems into one
:class:`~openzoo.errors.StrictPluginsError`; ``OPENZOO_DISABLE_PLUGINS=a,b``
skips plugins by entry-point or distribution name.

Nothing here imports torch, and listing never resolves a spec's lazy reference.
The modules behind this package: ``_discovery`` (entry points and the core
range), ``_loader`` (isolated loading) and ``_registry`` (lookups).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping

from openzoo.errors import StrictPluginsError
from openzoo.plugins._discovery import (
    PluginSource,
    builtin_source,
    canonical_dist,
    core_version,
    entry_point_sources,
)
from openzoo.plugins._loader import KINDS, SINGULAR, SLOW_IMPORT_SECONDS, PluginLoader, PluginRecord
from openzoo.plugins._registry import (
    TASKLESS_KINDS,
    Registry,
    natural_key,
    qualified_name,
    resolve_reference,
    spec_summary,
    spec_tasks,
    split_model_name,
)

__all__ = [
    "KINDS",
    "SINGULAR",
    "SLOW_IMPORT_SECONDS",
    "TASKLESS_KINDS",
    "PluginRecord",
    "PluginSource",
    "Registry",
    "builtin_source",
    "canonical_dist",
    "core_version",
    "default_registry",
    "entry_point_sources",
    "load_registry",
    "natural_key",
    "qualified_name",
    "resolve_reference",
    "spec_summary",
    "spec_tasks",
    "split_model_name",
    "strict_from_env",
]

_TRUE = {"1", "true", "yes", "on"}


def _env_list(name: str, environ: Mapping[str, str]) -> set[str]:
    return {part.strip() for part in environ.get(name, "").split(",") if part.strip()}


def strict_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """Return whether ``OPENZOO_STRICT_PLUGINS`` asks for plugin problems to be errors."""
    environ = os.environ if environ is None else environ
    return environ.get("OPENZOO_STRICT_PLUGINS", "").strip().lower() in _TRUE


def load_registry(
    sources: Iterable[PluginSource] | None = None,
    *,
    builtins: bool = True,
    disabled: Iterable[str] | None = None,
    strict: bool | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.perf_counter,
    slow_after: float = SLOW_IMPORT_SECONDS,
) -> Registry:
    """Discover plugins and return a fresh :class:`Registry`.

    :param sources: plugins to load; ``None`` reads the ``openzoo`` entry points.
    :param builtins: load core's builtin plugin first (tests may turn it off).
    :param disabled: plugin or distribution names to skip; ``None`` reads ``OPENZOO_DISABLE_PLUGINS``.
    :param strict: raise on any plugin problem; ``None`` reads ``OPENZOO_STRICT_PLUGINS``.
    :param environ: where ``None`` arguments are read from; defaults to :data:`os.environ`.
    :param clock: returns seconds; times each plugin's import (tests pass a fake clock).
    :param slow_after: a plugin importing for longer than this many seconds is flagged as slow.
    :raises StrictPluginsError: in strict mode, listing every problem.
    """
    environ = os.environ if environ is None else environ
    if disabled is None:
        disabled = _env_list("OPENZOO_DISABLE_PLUGINS", environ)
    if strict is None:
        strict = strict_from_env(environ)
    version = core_version()
    loader = PluginLoader(set(disabled), version, clock=clock, slow_after=slow_after)
    all_sources: list[PluginSource] = [builtin_source(version)] if builtins else []
    all_sources.extend(entry_point_sources() if sources is None else sources)
    for source in all_sources:
        loader.load(source)
    registry = Registry(loader.records, loader.specs)
    problems = registry.problems()
    if strict and problems:
        lines = "\n  ".join(problems)
        raise StrictPluginsError(
            f"{len(problems)} plugin problem(s), and OPENZOO_STRICT_PLUGINS is set:\n  {lines}\n"
            "Fix or uninstall those plugins, or disable them with OPENZOO_DISABLE_PLUGINS=name,..."
        )
    return registry


_default: Registry | None = None
_default_lock = threading.Lock()


def default_registry() -> Registry:
    """Return the process-wide registry, loading plugins on the first call."""
    global _default
    with _default_lock:
        if _default is None:
            _default = load_registry()
        return _default
