"""Plan and run checks: the implementation behind both front ends.

:func:`plan` turns plugins (or specs) into :class:`PlannedCheck` objects, in
catalogue order, applying ``--select``/``--deselect``/``--level`` and attaching
waivers; :func:`run_planned` runs them and returns :class:`CheckRecord` objects;
:func:`run_conformance` does both for whole plugins and returns
:class:`PluginReport` objects. ``parametrize_with_checks`` uses the same plan.
"""

from __future__ import annotations

import fnmatch
import shlex
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from openzoo.conformance.catalogue import check_id, checks_for
from openzoo.conformance.declaration import (
    CheckInfo,
    CheckSkipped,
    DataUnavailable,
    Measurement,
    docs_url,
    info_of,
)
from openzoo.conformance.locations import failure_location, format_traceback
from openzoo.conformance.records import CheckRecord, PluginReport
from openzoo.conformance.subjects import (
    DatasetSubject,
    DeviceSubject,
    MetricSubject,
    ModelSubject,
    PluginSubject,
    Subject,
)
from openzoo.errors import BadInputError, ConformanceError, UnknownNameError

if TYPE_CHECKING:
    from openzoo.plugins import PluginRecord, Registry

__all__ = ["PlannedCheck", "find_plugin", "plan", "plan_plugin", "run_conformance", "run_planned"]

_SUBJECTS = {"models": ModelSubject, "datasets": DatasetSubject, "metrics": MetricSubject, "devices": DeviceSubject}
#: Checks whose failure makes the rest of the same component (and preset) pointless.
_PREREQUISITES = ("check_plugin_entry_point_resolves", "check_model_builds")


@dataclass(frozen=True)
class PlannedCheck:
    """One check on one component, ready to run; calling it runs it (raising on failure)."""

    subject: Subject
    function: Callable[..., Any]

    @property
    def info(self) -> CheckInfo:
        return info_of(self.function)

    @property
    def check_id(self) -> str:
        return check_id(self.function)

    @property
    def test_id(self) -> str:
        return f"{self.subject.component}::{self.check_id}"

    @property
    def waiver(self) -> str | None:
        """The expected-failure reason, when the component waives this (recommended) check."""
        waivers = self.subject.expected_failures
        reason = waivers.get(self.check_id) or waivers.get(self.info.name)
        return reason if reason and self.info.level == "recommended" else None

    def __call__(self) -> Measurement | None:
        return self.function(self.subject)

    def __repr__(self) -> str:
        return self.test_id


def find_plugin(registry: Registry, name: str) -> PluginRecord:
    """Return the plugin record called ``name`` (entry-point or distribution name)."""
    for record in registry.plugins:
        if name in (record.name, record.dist):
            return record
    available = [r.name for r in registry.plugins]
    raise UnknownNameError("plugin", name, available, hint="'openzoo plugins' lists what is installed.")


def _matches(planned: PlannedCheck, patterns: Sequence[str]) -> bool:
    keys = (planned.check_id, planned.info.name, planned.test_id)
    return any(key == p or fnmatch.fnmatchcase(key, p) for p in patterns for key in keys)


def _select(
    checks: Iterable[PlannedCheck], select: Sequence[str], deselect: Sequence[str], level: str | None
) -> list[PlannedCheck]:
    out = []
    for planned in checks:
        if select and not _matches(planned, select):
            continue
        if deselect and _matches(planned, deselect):
            continue
        if level and planned.info.level != level:
            continue
        out.append(planned)
    return out


def plan_plugin(registry: Registry, record: PluginRecord, *, device: str = "cpu") -> list[PlannedCheck]:
    """Return every check of a plugin: packaging first, then each component's, in catalogue order."""
    plugin = PluginSubject(record, registry=registry, device=device)
    planned = [PlannedCheck(plugin, f) for f in checks_for(plugin)]
    for kind, spec in plugin.specs():
        if kind not in _SUBJECTS:
            continue
        subject = _SUBJECTS[kind](spec, registry=registry, device=device, plugin=record.name)
        subject.plugin_subject = plugin
        planned.extend(PlannedCheck(subject, f) for f in checks_for(subject))
    return planned


def plan(
    target: str | Sequence[Any],
    *,
    registry: Registry | None = None,
    device: str = "cpu",
    select: Sequence[str] = (),
    deselect: Sequence[str] = (),
    level: str | None = None,
) -> list[PlannedCheck]:
    """Return the checks for a plugin name, or for a list of specs (components only, no packaging)."""
    from openzoo.plugins import default_registry

    registry = registry if registry is not None else default_registry()
    if isinstance(target, str):
        planned = plan_plugin(registry, find_plugin(registry, target), device=device)
    else:
        planned = []
        for spec in target:
            kind = {
                "ModelSpec": "models",
                "DatasetSpec": "datasets",
                "MetricSpec": "metrics",
                "DeviceSpec": "devices",
            }.get(type(spec).__name__)
            if kind is None:
                raise BadInputError(
                    f"cannot check {spec!r}: pass ModelSpec, DatasetSpec, MetricSpec or DeviceSpec objects"
                )
            subject = _SUBJECTS[kind](spec, registry=registry, device=device)
            planned.extend(PlannedCheck(subject, f) for f in checks_for(subject))
    return _select(planned, select, deselect, level)


def reproduce_command(plugin: str, planned: PlannedCheck) -> str:
    """Return the one-line command that reruns just ``planned``."""
    parts = ["openzoo", "conformance", plugin, "--select", planned.test_id]
    if planned.subject.device != "cpu":
        parts += ["--device", planned.subject.device]
    return shlex.join(parts)


def _prerequisite_key(planned: PlannedCheck) -> tuple[str, str] | None:
    keywords = getattr(planned.function, "keywords", None) or {}
    return (planned.subject.component, str(keywords.get("preset", "")))


def run_one(planned: PlannedCheck, *, plugin: str = "") -> CheckRecord:
    """Run one planned check and return its record (never raises for a check's outcome)."""
    info = planned.info
    record = CheckRecord(
        component=planned.subject.component,
        check=planned.check_id,
        kind=info.kind,
        level=info.level,
        status="passed",
        waiver=planned.waiver,
        reproduce=reproduce_command(plugin or planned.subject.plugin, planned),
    )
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = planned()
    except DataUnavailable as exc:
        record.status = "unavailable"
        record.message = f"{planned.check_id} unavailable: {exc}" + (
            "" if exc.install in str(exc) else f"; install it with: {exc.install}"
        )
    except CheckSkipped as exc:
        record.status, record.message = "skipped", f"{planned.check_id} skipped: {exc}"
        record.skip_device = exc.device
    except ConformanceError as exc:
        record.status, record.message = "failed", _with_docs(str(exc), info)
        record.location, record.traceback = failure_location(planned.subject, exc), format_traceback(exc)
    except Exception as exc:  # noqa: BLE001 -- an unexpected error is a failure, reported with its cause
        record.status = "failed"
        record.message = _with_docs(
            f"{planned.subject.label}: {planned.check_id} raised {type(exc).__name__}: {exc}", info
        )
        record.location, record.traceback = failure_location(planned.subject, exc), format_traceback(exc)
    else:
        if isinstance(result, Measurement):
            record.error, record.tolerance = result.error, result.tolerance
    record.duration = time.perf_counter() - start
    if record.waiver is not None:
        if record.status == "failed":
            record.status = "xfail"
        elif record.status == "passed":
            record.status = "xpass"
            record.message = f"{planned.subject.label}: {planned.check_id} is declared as an expected failure ({record.waiver}) but passed; remove it from expected_failures"
    return record


def _with_docs(message: str, info: CheckInfo) -> str:
    return message if "(docs:" in message else f"{message} (docs: {docs_url(info.anchor)})"


def _prefetch(planned: Sequence[PlannedCheck]) -> None:
    """Start the slow, independent work of these checks (a check's ``prefetch`` attribute) in the background.

    A prefetch that fails is ignored here: the check itself meets the same error and reports it.
    """
    for item in planned:
        target = getattr(item.function, "func", item.function)
        start = getattr(target, "prefetch", None)
        if start is not None:
            try:
                start(item.subject, **(getattr(item.function, "keywords", None) or {}))
            except Exception:  # noqa: BLE001 -- reported by the check when it runs
                pass


def run_planned(
    planned: Sequence[PlannedCheck],
    *,
    plugin: str = "",
    callback: Callable[[CheckRecord], None] | None = None,
    transform: Callable[[CheckRecord], CheckRecord] | None = None,
) -> list[CheckRecord]:
    """Run ``planned`` in order and return one record per check.

    When a prerequisite (the entry point, building a preset) fails, the later checks of
    the same component and preset are reported as skipped, naming it, not rerun.
    ``transform`` (certified mode) may rewrite each record before the callback sees it.
    """
    records = []
    broken: dict[tuple[str, str], str] = {}
    prefetched: set[int] = set()
    for item in planned:
        if id(item.subject) not in prefetched:
            prefetched.add(id(item.subject))
            _prefetch([p for p in planned if p.subject is item.subject])
        key = _prerequisite_key(item)
        blocker = broken.get(key) or broken.get(("*", ""))
        if blocker is not None:
            record = CheckRecord(
                component=item.subject.component,
                check=item.check_id,
                kind=item.info.kind,
                level=item.info.level,
                status="skipped",
                message=f"{item.check_id} skipped: prerequisite {blocker} failed",
                waiver=item.waiver,
                reproduce=reproduce_command(plugin or item.subject.plugin, item),
            )
        else:
            record = run_one(item, plugin=plugin)
            if record.status == "failed" and item.info.name in _PREREQUISITES:
                broken[("*", "") if item.info.kind == "packaging" else key] = item.check_id
        if transform is not None:
            record = transform(record)
        records.append(record)
        if callback is not None:
            callback(record)
    return records


def run_conformance(
    plugins: Sequence[str] | None = None,
    *,
    registry: Registry | None = None,
    device: str = "cpu",
    select: Sequence[str] = (),
    deselect: Sequence[str] = (),
    level: str | None = None,
    callback: Callable[[CheckRecord], None] | None = None,
    certify: bool = False,
) -> list[PluginReport]:
    """Run the suite on plugins (every plugin when ``plugins`` is ``None``) and return their reports.

    With ``certify``, every check runs (no selection) and a skip that no unavailable device
    justifies counts as a failure (see :func:`openzoo.conformance.certification.certify_record`).

    :raises UnknownNameError: for a plugin name that is not installed (with close matches).
    :raises UnknownNameError: for an unknown ``device``.
    :raises BadInputError: for ``certify`` together with a selection.
    """
    from openzoo.conformance.certificate import distribution_digest
    from openzoo.conformance.certification import certify_record
    from openzoo.plugins import default_registry

    if certify and (select or deselect or level):
        raise BadInputError(
            "a certified run checks everything: drop --select, --deselect and --level, or drop --certify"
        )

    registry = registry if registry is not None else default_registry()
    registry.device(device)  # unknown device -> did-you-mean, before anything runs
    records = [find_plugin(registry, name) for name in plugins] if plugins else list(registry.plugins)
    reports = []
    for record in {id(r): r for r in records}.values():
        planned = _select(plan_plugin(registry, record, device=device), select, deselect, level)
        digest, count = distribution_digest(record.dist)
        report = PluginReport(
            plugin=record.name, dist=record.dist, version=record.version, files_sha256=digest, files_hashed=count
        )
        report.records = run_planned(
            planned, plugin=record.name, callback=callback, transform=certify_record if certify else None
        )
        reports.append(report)
    return reports
