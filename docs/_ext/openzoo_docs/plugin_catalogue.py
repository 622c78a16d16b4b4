"""The plugin catalogue page, generated from the installed plugins and their conformance certificates.

Every plugin the manager finds is listed, healthy or broken, with its distribution, version, the kinds
of component it provides, the tasks they serve and its conformance verdict. The verdict is read from
the certificate that ``openzoo conformance DIST --report REPORTS/DIST/certificate.json`` wrote (CPU;
``certificate-cuda.json`` for the GPU run), as CI's ``nox -s plugin`` and ``nox -s gpu_conformance``
lay them out; a plugin without one says so. Nothing on the page is typed by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openzoo_docs.tasks_page import table_cell

__all__ = [
    "CERTIFICATES",
    "NO_CERTIFICATE",
    "STAGES",
    "Verdict",
    "lifecycle_stage",
    "plugin_catalogue_page",
    "read_verdict",
]

#: Certificate file name per device column, inside ``REPORTS/<distribution>/``.
CERTIFICATES: dict[str, str] = {"cpu": "certificate.json", "cuda": "certificate-cuda.json"}
#: What the catalogue says for a plugin that has no certificate in this build.
NO_CERTIFICATE = "no certificate in this build"


#: Lifecycle stage (GOVERNANCE.md) of each ``Development Status`` trove classifier a plugin declares.
STAGES: dict[str, str] = {
    "1 - Planning": "incubating",
    "2 - Pre-Alpha": "incubating",
    "3 - Alpha": "incubating",
    "4 - Beta": "incubating",
    "5 - Production/Stable": "stable",
    "6 - Mature": "stable",
    "7 - Inactive": "deprecated",
}


def lifecycle_stage(dist: str) -> str:
    """Return the lifecycle stage ``dist`` declares through its ``Development Status`` classifier."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        classifiers = metadata(dist).get_all("Classifier") or []
    except PackageNotFoundError:
        return "not declared"
    for classifier in classifiers:
        prefix, _, status = classifier.partition(" :: ")
        if prefix == "Development Status":
            return STAGES.get(status.strip(), "not declared")
    return "not declared"


@dataclass(frozen=True)
class Verdict:
    """One plugin's entry of one certificate, as the catalogue shows it."""

    #: ``passed``, ``failed`` or ``incomplete``; or a sentence saying why there is none.
    text: str
    #: One line of detail: check counts, device and date; empty when there is no certificate.
    detail: str = ""


def read_verdict(path: Path, dist: str, version: str) -> Verdict:
    """Return ``dist``'s verdict from the certificate at ``path``.

    A certificate for another version of the distribution is reported as stale rather than shown as
    the installed version's verdict; an unreadable one is reported as such.
    """
    if not path.exists():
        return Verdict(NO_CERTIFICATE)
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        entries = [p for p in data["plugins"] if p.get("dist") == dist]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Verdict(f"unreadable certificate ({type(exc).__name__})")
    if not entries:
        return Verdict(f"{NO_CERTIFICATE} (the certificate does not cover {dist})")
    entry = entries[0]
    if entry.get("version") != version:
        return Verdict(f"stale certificate (for version {entry.get('version')}, installed {version})")
    counts = entry.get("counts", {})
    environment = data.get("environment", {})
    detail = (
        f"{counts.get('passed', 0)} passed, {counts.get('failed', 0)} failed, {counts.get('skipped', 0)} skipped, "
        f"{counts.get('waived', 0)} waived of {counts.get('applicable', 0)} checks on "
        f"{environment.get('device', '?')}; suite {data.get('suite_version', '?')}, {data.get('created', '?')}"
    )
    return Verdict(str(entry.get("verdict", "unknown")), detail)


def _components(registry: Any, dist: str) -> dict[str, list[Any]]:
    from openzoo.plugins import KINDS

    found: dict[str, list[Any]] = {}
    for kind in KINDS:
        candidates = [*registry.list(kind), *(s for clash in registry.clashes(kind).values() for s in clash)]
        specs = {id(s): s for s in candidates if s.origin is not None and s.origin.dist == dist}
        if specs:
            found[kind] = sorted(specs.values(), key=lambda s: s.name)
    return found


def _tasks(components: dict[str, list[Any]]) -> list[str]:
    tasks: set[str] = set()
    for kind, specs in components.items():
        for spec in specs:
            if kind == "tasks":
                tasks.add(spec.name)
            elif kind == "metrics":
                tasks.update(spec.tasks)
            elif kind in ("models", "datasets"):
                tasks.add(spec.task)
    return sorted(tasks)


def _code(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names) or "-"


def plugin_catalogue_page(reports: Path, readme_pages: Iterable[str] = ()) -> str:
    """Return the Markdown of the plugin catalogue.

    :param reports: directory holding ``<distribution>/certificate.json`` (and ``certificate-cuda.json``).
    :param readme_pages: distributions whose README is published as the page ``plugins/<distribution>``.
    """
    from openzoo.plugins import load_registry

    registry = load_registry(disabled=(), strict=False, environ={})
    with_readme = set(readme_pages)
    records = sorted(registry.plugins, key=lambda r: (not r.builtin, r.dist))
    lines = [
        "# Plugin catalogue",
        "",
        "<!-- Generated from the installed plugins and their certificates when the site is built; do not edit. -->",
        "",
        "Every plugin installed where this site was built, generated from the plugins' own specs. The",
        "conformance verdict is read from the JSON certificate that `openzoo conformance` wrote for the",
        "installed version (`reports/<distribution>/certificate.json` on CPU, `certificate-cuda.json` on GPU,",
        "as CI lays them out); a plugin without one says "
        f"*{NO_CERTIFICATE}*. The lifecycle stage (incubating, stable, deprecated; see {{doc}}`../project/governance`)",
        "comes from the `Development Status` classifier in the plugin's metadata. Run `openzoo plugins` to",
        "see the installed plugins of your own environment.",
        "",
        "| plugin | distribution | version | stage | status | kinds | tasks | conformance (CPU) | conformance (GPU) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    sections: list[str] = []
    for record in records:
        components = _components(registry, record.dist)
        verdicts = {
            device: read_verdict(reports / record.dist / name, record.dist, record.version)
            for device, name in CERTIFICATES.items()
        }
        kinds = ", ".join(kind for kind in components) or "-"
        stage = "core" if record.builtin else lifecycle_stage(record.dist)
        anchor = f"plugin-{record.dist}"
        lines.append(
            f"| {{ref}}`{record.name} <{anchor}>` | `{record.dist}` | {record.version} | {stage} | {record.status} | {kinds} | "
            f"{_code(_tasks(components))} | {verdicts['cpu'].text} | {verdicts['cuda'].text} |"
        )
        sections += [f"({anchor})=", f"## {record.dist} {record.version}", ""]
        if record.builtin:
            sections += ["Core's builtin plugin, registered through the same hooks as every other plugin.", ""]
        if record.dist in with_readme:
            sections += [f"README: {{doc}}`../plugins/{record.dist}`", ""]
        for kind, specs in components.items():
            sections.append(f"- **{kind}**: {_code(spec.name for spec in specs)}")
        for problem in record.problems:
            sections.append(f"- **problem**: {table_cell(problem)}")
        for device, verdict in verdicts.items():
            detail = f" ({verdict.detail})" if verdict.detail else ""
            sections.append(f"- **conformance on {device}**: {verdict.text}{detail}")
        sections.append("")
    return "\n".join([*lines, "", *sections])
