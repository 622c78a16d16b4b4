"""Where plugins come from: entry points, read without importing anything.

A :class:`PluginSource` is what the loader needs to know about one plugin before
it imports it: its entry-point name, the distribution that declares it, that
distribution's version and ``Requires-Dist`` lines (to check the ``openzoo``
range), and a callable that imports it. Tests build sources directly.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import final

from openzoo import hookspecs

__all__ = ["PluginSource", "builtin_source", "canonical_dist", "core_version", "entry_point_sources"]


@final
@dataclass(frozen=True, slots=True)
class PluginSource:
    """One plugin to load: what an entry point says, without importing anything.

    Tests build these directly to feed :func:`openzoo.plugins.load_registry` fake plugins.
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


def canonical_dist(name: str) -> str:
    """Return the normalised form of a distribution name (PEP 503): ``Openzoo_ViT`` -> ``openzoo-vit``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def core_version() -> str:
    """Return the installed version of the core distribution (``0.0.0`` in an uninstalled tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("openzoo")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0"


def entry_point_sources(group: str = hookspecs.PROJECT_NAME) -> list[PluginSource]:
    """Return a :class:`PluginSource` for every entry point in ``group``, reading metadata only.

    Sources are sorted by distribution and entry-point name, so listings and the
    "name already taken" rule do not depend on the order of ``sys.path``.
    """
    from importlib.metadata import entry_points

    sources = []
    for ep in entry_points(group=group):
        dist = ep.dist
        name = (dist.metadata["Name"] or "unknown") if dist is not None else "unknown"
        version = dist.version if dist is not None else "0"
        requires = tuple(dist.requires or ()) if dist is not None else ()
        sources.append(
            PluginSource(name=ep.name, dist=name, version=version, load=ep.load, requires=requires, value=ep.value)
        )
    return sorted(sources, key=lambda source: (canonical_dist(source.dist), source.name))


def builtin_source(version: str | None = None) -> PluginSource:
    """Return the source of core's builtin plugin (devices, metrics, tasks, toy datasets).

    :param version: the core version, when the caller has read it already.
    """
    return PluginSource(
        name="builtin",
        dist="openzoo",
        version=version or core_version(),
        load=lambda: importlib.import_module("openzoo.builtin"),
        builtin=True,
        value="openzoo.builtin",
    )


#: A ``Requires-Dist`` line: name, optional ``[extras]``, version specifiers (maybe in parentheses), ``; marker``.
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*\(?([^;()]*)\)?\s*(?:;(.*))?$")


def incompatible_core(source: PluginSource, version: str) -> str | None:
    """Return why ``source``'s declared ``openzoo`` range excludes core ``version``, or ``None``.

    Parses ``Requires-Dist`` lines with a regular expression and imports only
    ``packaging.specifiers`` (and ``packaging.markers`` for a line with a marker):
    ``packaging.requirements`` would cost start-up time on every listing.
    """
    for line in source.requires:
        match = _REQUIREMENT.match(line)
        if match is None or canonical_dist(match.group(1)) != "openzoo":
            continue
        specifiers, marker = match.group(2).strip(), match.group(3)
        if marker and not _marker_applies(marker):
            continue
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            allowed = SpecifierSet(specifiers)
        except InvalidSpecifier:
            continue  # pip would not have installed it; nothing to check
        if specifiers and not allowed.contains(version, prereleases=True):
            return (
                f"requires openzoo{allowed} but openzoo {version} is installed; "
                f"install a release of {source.dist} made for this core, or a core in that range"
            )
    return None


def _marker_applies(marker: str) -> bool:
    from packaging.markers import InvalidMarker, Marker

    try:
        return Marker(marker).evaluate({"extra": ""})
    except InvalidMarker:
        return False
