"""Packaging checks: the plugin as an installable distribution.

They read the distribution's metadata and import the entry module in a fresh
interpreter with sockets blocked; none of them imports torch. They run first,
so a plugin that cannot be installed or imported fails in seconds.
"""

from __future__ import annotations

from typing import Any

from openzoo.conformance.declaration import CheckSkipped, Measurement, check, fail
from openzoo.conformance.subjects import PluginSubject

__all__ = [
    "IMPORT_BUDGET_SECONDS",
    "check_plugin_distribution_metadata",
    "check_plugin_entry_point_resolves",
    "check_plugin_import_has_no_network_access",
    "check_plugin_import_is_fast",
    "check_plugin_import_skips_torch",
    "check_plugin_names_valid_and_unique",
    "check_plugin_requires_compatible_core",
    "check_plugin_specs_described_and_tasks_exist",
]

#: Seconds importing an entry module may take (``openzoo list`` imports every plugin).
IMPORT_BUDGET_SECONDS = 0.5


@check(kind="packaging", applies_to="every plugin")
def check_plugin_entry_point_resolves(subject: PluginSubject) -> None:
    """The plugin's entry point in the ``openzoo`` group imports and registers its hooks.

    Why: discovery goes through the entry point; a plugin whose entry point fails to
    import, implements an unknown hook, raises in a hook or returns invalid specs is
    reported as broken and none of its components can be used. Fix: declare
    ``[project.entry-points.openzoo] <name> = "<package>.plugin"`` in ``pyproject.toml``,
    reinstall, and read the problem ``openzoo plugins`` shows for the plugin.
    """
    record = subject.record
    if record.status == "disabled":
        raise fail(
            subject,
            "the plugin must be enabled to be checked",
            "disabled by OPENZOO_DISABLE_PLUGINS",
            "unset OPENZOO_DISABLE_PLUGINS for this run",
        )
    load_problems = [p for p in record.problems if "is also provided by" not in p]
    if record.status == "broken" and load_problems:
        raise fail(
            subject,
            "the entry point must import and register its hooks",
            "; ".join(load_problems),
            "fix the problem above; 'openzoo plugins' shows it too",
        )
    if not record.builtin and subject.entry_module is None:
        raise fail(
            subject,
            "the distribution must declare the entry point",
            f"no entry point {record.name!r} in group 'openzoo' of {record.dist}",
            "declare it under [project.entry-points.openzoo] and reinstall",
        )


def _metadata(subject: PluginSubject) -> Any:
    dist = subject.distribution
    if dist is None:
        raise fail(
            subject,
            "the plugin must be an installed distribution",
            f"no distribution {subject.dist!r} on sys.path",
            "install it with pip install -e <plugin directory>",
        )
    return dist.metadata


@check(kind="packaging", applies_to="every plugin")
def check_plugin_distribution_metadata(subject: PluginSubject) -> None:
    """The distribution declares a version, a licence, a one-line summary and a README.

    Why: maintainers, users and package indexes read these; a plugin without a licence
    cannot be redistributed, and one without a README cannot be reviewed. Fix: set
    ``version``, ``license`` (an SPDX expression), ``description`` and
    ``readme = "README.md"`` in the ``[project]`` table of ``pyproject.toml``.
    """
    meta = _metadata(subject)
    missing = []
    if not (meta.get("Version") or "").strip():
        missing.append("version")
    classifiers = meta.get_all("Classifier") or []
    has_licence = any((meta.get(key) or "").strip() for key in ("License-Expression", "License")) or any(
        c.startswith("License ::") for c in classifiers
    )
    if not has_licence:
        missing.append("license")
    if not (meta.get("Summary") or "").strip():
        missing.append("description (Summary)")
    body = meta.get_payload() if hasattr(meta, "get_payload") else None
    if not ((body or "").strip() or (meta.get("Description") or "").strip()):
        missing.append("readme (long description)")
    if missing:
        raise fail(
            subject,
            "the distribution metadata must be complete",
            "missing " + ", ".join(missing),
            "set them in the [project] table of pyproject.toml and reinstall",
        )


@check(kind="packaging", applies_to="every plugin except core's builtin")
def check_plugin_requires_compatible_core(subject: PluginSubject) -> None:
    """The distribution requires ``openzoo`` with a range that includes this core and has an upper bound.

    Why: the contract may change between minor releases before 1.0; a bounded range
    (``openzoo>=0.1,<0.2``) lets pip pick a compatible release and lets the plugin
    manager report an incompatible plugin instead of failing at run time. Fix: add
    ``"openzoo>=X.Y,<X.(Y+1)"`` to ``dependencies``.
    """
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    import openzoo

    meta = _metadata(subject)
    core = openzoo.__version__
    for line in meta.get_all("Requires-Dist") or []:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(req.name) != "openzoo" or (
            req.marker is not None and not req.marker.evaluate({"extra": ""})
        ):
            continue
        if not req.specifier:
            raise fail(
                subject,
                "the openzoo requirement must be a range",
                f"{line!r} (unbounded)",
                "write openzoo>=X.Y,<X.(Y+1)",
            )
        if not req.specifier.contains(core, prereleases=True):
            raise fail(
                subject,
                "the openzoo range must include the installed core",
                f"{req.specifier} with openzoo {core}",
                "widen the range or install a core in it",
            )
        if not any(spec.operator in ("<", "<=", "~=", "==") for spec in req.specifier):
            raise fail(
                subject,
                "the openzoo range must have an upper bound",
                str(req.specifier),
                "add <X.(Y+1) so a future incompatible core is not installed with it",
            )
        return
    raise fail(
        subject,
        "the distribution must depend on openzoo",
        "no openzoo in Requires-Dist",
        "add openzoo>=X.Y,<X.(Y+1) to dependencies",
    )


@check(kind="packaging", applies_to="every plugin")
def check_plugin_import_skips_torch(subject: PluginSubject) -> None:
    """Importing the entry module and calling its hooks does not import torch or transformers.

    Why: ``openzoo list``, ``openzoo --help`` and discovery import every plugin's entry
    module; a plugin that imports torch there makes every command seconds slower for
    every user. Fix: build specs from literals in ``plugin.py`` and name heavy code
    with lazy ``"module:attr"`` references; move imports into the modules they name.
    """
    report = subject.probe
    if report.get("error"):
        raise fail(subject, f"importing {report['module']} must succeed", report["error"], "fix the import error")
    heavy = sorted(set(report.get("heavy_modules", [])) - set(report.get("preloaded", [])))
    if heavy:
        when = "at import" if set(heavy) & set(report.get("heavy_after_import", [])) else "when its hooks build specs"
        raise fail(
            subject,
            f"importing {report['module']} must not import heavy libraries",
            f"{', '.join(heavy)} imported {when}",
            "move those imports into the modules your lazy references name",
        )


@check(level="recommended", kind="packaging", applies_to="every plugin")
def check_plugin_import_is_fast(subject: PluginSubject) -> Measurement:
    """Importing the entry module takes less than half a second.

    Why: every ``openzoo`` command imports every plugin's entry module. Fix: do no work
    at import time (no file reads, no model downloads, no heavy imports); measure with
    ``python -X importtime -c 'import <module>'``.
    """
    report = subject.probe
    if report.get("error"):
        raise fail(subject, f"importing {report['module']} must succeed", report["error"], "fix the import error")
    heavy = sorted(set(report.get("heavy_after_import", [])) - set(report.get("preloaded", [])))
    if heavy:
        raise CheckSkipped(
            f"prerequisite check_plugin_import_skips_torch failed: the import time is that of {', '.join(heavy)}"
        )
    seconds = float(report["import_seconds"])
    if seconds > IMPORT_BUDGET_SECONDS:
        raise fail(
            subject,
            f"importing {report['module']} must take under {IMPORT_BUDGET_SECONDS} s",
            f"{seconds:.2f} s",
            "remove work done at import time (python -X importtime shows where it goes)",
        )
    return Measurement(error=seconds, tolerance=IMPORT_BUDGET_SECONDS)


@check(kind="packaging", applies_to="every plugin")
def check_plugin_import_has_no_network_access(subject: PluginSubject) -> None:
    """Importing the entry module and building its specs opens no network connection.

    Why: openzoo runs on machines that reach no network (CI runners, clusters); a plugin
    that downloads at import hangs or fails there, and listing must never cost a
    download. The check blocks, in a fresh interpreter, TCP connects, UDP sends
    (``sendto``, ``sendmsg``) and DNS lookups (``getaddrinfo``, ``gethostbyname``) alike,
    and reports each attempt even when the plugin swallows the error. Fix: download
    weights only when the user asks (``--from-pretrained``), inside the model code.
    """
    report = subject.probe
    if report.get("network"):
        raise fail(
            subject,
            "import and spec building must not use the network",
            "network calls " + ", ".join(report["network"]),
            "move downloads out of import time, into code the user calls",
        )
    if report.get("error") and "network access blocked" in report["error"]:
        raise fail(
            subject,
            "import and spec building must not open connections",
            report["error"],
            "move downloads out of import time",
        )


@check(kind="packaging", applies_to="every plugin")
def check_plugin_names_valid_and_unique(subject: PluginSubject) -> None:
    """Every component name is a valid name and no other installed plugin uses it.

    Why: names are what users type (``openzoo train vit``); a clash makes the name
    unavailable to everyone until one plugin is uninstalled. Fix: rename the component
    (lower-case letters, digits, ``-`` and ``_``; prefix it with your project when in doubt).
    """
    from openzoo.specs import NAME_PATTERN

    problems = []
    for kind, spec in subject.specs():
        if not NAME_PATTERN.match(spec.name):
            problems.append(f"{kind} name {spec.name!r} is invalid")
        others = [s for s in subject.registry.list(kind) if s.name == spec.name and s is not spec]
        for other in others:
            problems.append(f"{kind} {spec.name!r} is also provided by {other.origin}")
    clash = [p for p in subject.record.problems if "is also provided by" in p]
    problems.extend(p for p in clash if not any(p.startswith(q) for q in problems))
    if problems:
        raise fail(
            subject,
            "component names must be valid and unique",
            "; ".join(dict.fromkeys(problems)),
            "rename the component",
        )


@check(kind="packaging", applies_to="every plugin")
def check_plugin_specs_described_and_tasks_exist(subject: PluginSubject) -> None:
    """Every spec has a description, names a task that exists, and every model has a test preset.

    Why: listings and docs show the descriptions; a component of an unknown task can
    never be trained or evaluated; conformance builds a model from its presets marked
    ``test=True``, and a model without one cannot be checked. Fix: describe every spec,
    use a task from ``openzoo list tasks`` (or provide it with ``openzoo_tasks``), and
    mark a tiny preset ``Preset(..., test=True)``.
    """
    tasks = set(subject.registry.names("tasks"))
    problems = []
    specs = subject.specs()
    for kind, spec in specs:
        if not (getattr(spec, "description", "") or "").strip():
            problems.append(f"{kind} {spec.name!r} has no description")
        wanted = list(getattr(spec, "tasks", ())) + ([spec.task] if hasattr(spec, "task") else [])
        problems.extend(f"{kind} {spec.name!r} names unknown task {t!r}" for t in wanted if t not in tasks)
        if kind == "models" and not spec.test_presets:
            problems.append(f"model {spec.name!r} has no preset marked test=True")
    if problems:
        raise fail(
            subject,
            "specs must be described and name existing tasks",
            "; ".join(problems),
            "fix the specs the plugin's hooks return",
        )
