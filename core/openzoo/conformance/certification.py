"""Certified mode and certificate verification.

Certified mode (``openzoo conformance PLUGIN --certify``) follows the CNCF Kubernetes
conformance program: a certified run checks every component with every check that
applies and may not skip one, except where the device it needs is not there (the
certificate names the device the run had). :func:`certify_record` turns any other skip,
and an *unavailable* dataset, into a failure that says why.

:func:`verify_certificate` is what ``openzoo conformance verify CERT.json`` runs before
a merge or a release: it re-hashes the installed distribution and checks the
certificate's schema, suite version, mode, verdict and coverage against the current
catalogue, naming every mismatch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from openzoo.conformance.records import CheckRecord
from openzoo.conformance.version import SCHEMA_ID, SCHEMA_VERSION, SUITE_VERSION

if TYPE_CHECKING:
    from openzoo.plugins import Registry

__all__ = ["Verification", "certify_record", "verify_certificate"]


def certify_record(record: CheckRecord) -> CheckRecord:
    """Return ``record`` with a skip no unavailable device justifies turned into a failure."""
    if record.status == "unavailable":
        record.status = "failed"
        record.message = f"{record.message}. A certified run checks every dataset on its data: install it and rerun"
    elif record.status == "skipped" and record.skip_device is None and "prerequisite" not in record.message:
        record.status = "failed"
        record.message = (
            f"{record.message}. A certified run may skip a check only when the device it needs is absent: "
            "declare the capability that selects the check only if the model has it, or fix what the skip names"
        )
    return record


@dataclass
class Verification:
    """The outcome of verifying one certificate: every mismatch found, and what was verified."""

    #: One line per mismatch, each naming what differs (empty when the certificate verifies).
    problems: list[str] = field(default_factory=list)
    #: ``dist version`` of every plugin entry checked.
    verified: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.verified)


def _schema_problems(document: Mapping[str, Any]) -> list[str]:
    import jsonschema

    if document.get("$schema") != SCHEMA_ID or document.get("schema_version") != SCHEMA_VERSION:
        return [
            f"schema: the certificate has schema {document.get('schema_version')!r} ({document.get('$schema')}), "
            f"this suite reads schema {SCHEMA_VERSION!r} ({SCHEMA_ID}); rerun openzoo conformance --certify"
        ]
    schema = json.loads(files("openzoo.conformance").joinpath("certificate.schema.json").read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document), key=lambda e: list(e.path))
    return [f"schema: {'/'.join(str(p) for p in error.path) or '(document)'}: {error.message}" for error in errors[:10]]


def _major(version: str) -> int | None:
    head = str(version).split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _coverage_problems(registry: Registry, entry: Mapping[str, Any]) -> list[str]:
    from openzoo.conformance.runner import plan_plugin
    from openzoo.errors import OpenzooError

    try:
        record = next(r for r in registry.plugins if r.dist == entry["dist"] and r.name == entry["plugin"])
    except StopIteration:
        return [f"{entry['dist']}: plugin {entry['plugin']!r} is not installed here, so coverage cannot be checked"]
    try:
        required = [p.test_id for p in plan_plugin(registry, record) if p.info.level == "required"]
    except OpenzooError as exc:
        return [f"{entry['dist']}: cannot plan its checks: {exc}"]
    outcomes = {f"{c['component']}::{c['id']}": c for c in entry["checks"]}
    problems = []
    for test_id in required:
        check = outcomes.get(test_id)
        if check is None:
            problems.append(f"{entry['dist']}: coverage: required check {test_id} is missing")
        elif check["outcome"] == "skipped" and not check.get("skip_device"):
            problems.append(f"{entry['dist']}: coverage: required check {test_id} was skipped ({check['message']})")
        elif check["outcome"] not in ("passed", "skipped"):
            problems.append(f"{entry['dist']}: coverage: required check {test_id} {check['outcome']}")
    return problems


def _digest_problems(entry: Mapping[str, Any]) -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    from openzoo.conformance.certificate import distribution_digest

    dist = entry["dist"]
    try:
        installed = version(dist)
    except PackageNotFoundError:
        return [f"{dist}: not installed here, so its files cannot be re-hashed; install {dist}=={entry['version']}"]
    problems = []
    if installed != entry["version"]:
        problems.append(f"{dist}: version: the certificate is for {entry['version']}, {installed} is installed")
    digest, count = distribution_digest(dist)
    if digest != entry["files_sha256"]:
        problems.append(
            f"{dist}: files_sha256: the installed files ({count} hashed) differ from the certified ones "
            f"({entry['files_hashed']}); a file changed after the run: rerun openzoo conformance --certify"
        )
    return problems


def verify_certificate(document: Mapping[str, Any], *, registry: Registry, dists: Sequence[str] = ()) -> Verification:
    """Check a certificate against this installation and the current catalogue.

    Checks the schema, that the suite's major version is the current one (an older major is
    stale), the mode (``certified``), the verdicts, the coverage (every required check that
    the current catalogue plans for the installed plugin is present and passed, or skipped for
    an absent device) and the files (version and SHA-256 of the installed distribution).

    :param dists: distribution (or plugin) names to verify; every plugin in the certificate when empty.
    """
    result = Verification()
    result.problems += _schema_problems(document)
    if result.problems:
        return result
    current, theirs = _major(SUITE_VERSION), _major(document["suite_version"])
    if theirs != current:
        result.problems.append(
            f"suite_version: the certificate was made by suite {document['suite_version']}, this is suite "
            f"{SUITE_VERSION}: a certificate from another major version is stale; rerun openzoo conformance --certify"
        )
    if document["mode"] != "certified":
        result.problems.append(
            f"mode: the certificate is from a {document['mode']} run; rerun with openzoo conformance --certify"
        )
    entries = list(document["plugins"])
    if dists:
        wanted = set(dists)
        missing = wanted - {e["dist"] for e in entries} - {e["plugin"] for e in entries}
        result.problems += [f"{name}: the certificate has no entry for it" for name in sorted(missing)]
        entries = [e for e in entries if e["dist"] in wanted or e["plugin"] in wanted]
    elif not entries:
        result.problems.append("plugins: the certificate checks no plugin")
    if document["verdict"] != "passed" and not dists:
        result.problems.append(f"verdict: the run's verdict is {document['verdict']!r}, not 'passed'")
    for entry in entries:
        if entry["verdict"] != "passed":
            failed = [c["id"] for c in entry["checks"] if c["outcome"] in ("failed", "xpass")]
            shown = f" (failed: {', '.join(failed[:5])})" if failed else ""
            result.problems.append(f"{entry['dist']}: verdict: {entry['verdict']!r}, not 'passed'{shown}")
        result.problems += _coverage_problems(registry, entry)
        result.problems += _digest_problems(entry)
        result.verified.append(f"{entry['dist']} {entry['version']}")
    return result
