"""Result records of a conformance run, and the verdict rules.

The runner produces one :class:`CheckRecord` per planned check; the JSON, JUnit
and Markdown writers read only these records (grouped in :class:`PluginReport`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["CheckRecord", "PluginReport", "Status", "Verdict", "counts", "verdict"]

Status = Literal["passed", "failed", "skipped", "unavailable", "xfail", "xpass"]
Verdict = Literal["passed", "failed", "incomplete"]


@dataclass(slots=True)
class CheckRecord:
    """What happened to one check on one component."""

    #: ``kind:name`` of the component (``plugin:vit`` for packaging checks).
    component: str
    #: Stable check id with variant arguments.
    check: str
    #: Component kind of the check (packaging, model, dataset, metric, device).
    kind: str
    #: ``required`` or ``recommended``.
    level: str
    #: ``passed``, ``failed``, ``skipped``, ``unavailable`` (the component's optional data is not
    #: installed here; the message gives the install command), ``xfail`` (waived and failed) or
    #: ``xpass`` (waived but passed).
    status: Status
    #: The failure or skip message (``<dist>:<component>: <rule>; got <observed>. <fix>``), empty on a pass.
    message: str = ""
    #: Seconds the check took.
    duration: float = 0.0
    #: For numeric checks: the bound the measured value had to meet.
    tolerance: float | None = None
    #: For numeric checks: the measured error (or quantity).
    error: float | None = None
    #: The expected-failure reason the component declared, if any.
    waiver: str | None = None
    #: The one-line command that reruns just this check.
    reproduce: str = ""
    #: ``path:line`` in the plugin where the failure arose: the innermost frame inside the
    #: plugin's package, else where the component is defined; ``None`` on a pass.
    location: str | None = None
    #: For a skip caused by a missing device: that device (the skips a certified run accepts).
    skip_device: str | None = None
    #: The full traceback of a failure (shown by ``--debug``; not written to the certificate).
    traceback: str = ""

    @property
    def test_id(self) -> str:
        """``component::check``: unique within a plugin, usable with ``--select``."""
        return f"{self.component}::{self.check}"

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def counts(records: list[CheckRecord]) -> dict[str, int]:
    """Return applicable / run / passed / failed / skipped / unavailable / waived / xpassed counts."""
    statuses = ("passed", "failed", "skipped", "unavailable", "xfail", "xpass")
    by = {s: sum(1 for r in records if r.status == s) for s in statuses}
    return {
        "applicable": len(records),
        "run": len(records) - by["skipped"] - by["unavailable"],
        "passed": by["passed"],
        "failed": by["failed"] + by["xpass"],
        "skipped": by["skipped"],
        "unavailable": by["unavailable"],
        "waived": by["xfail"],
        "xpassed": by["xpass"],
    }


def verdict(records: list[CheckRecord]) -> Verdict:
    """Return the verdict: ``failed`` when a required check failed or a waived check passed
    (strict expected failures); ``incomplete`` when no check applied or every required check
    was skipped (or unavailable); ``passed`` otherwise."""
    if any(r.status == "xpass" for r in records) or any(
        r.status == "failed" and r.level == "required" for r in records
    ):
        return "failed"
    required = [r for r in records if r.level == "required"]
    if not required or all(r.status in ("skipped", "unavailable") for r in required):
        return "incomplete"
    return "passed"


@dataclass(slots=True)
class PluginReport:
    """The records of one plugin and what identifies it."""

    #: Entry-point name (``builtin`` for core's own components).
    plugin: str
    #: Distribution name and version.
    dist: str
    version: str
    #: SHA-256 over the distribution's installed files (``None`` when not installed).
    files_sha256: str | None = None
    #: Number of files hashed.
    files_hashed: int = 0
    records: list[CheckRecord] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return counts(self.records)

    @property
    def verdict(self) -> Verdict:
        return verdict(self.records)
