"""The certificate: what was checked, where, with which result (schema ``certificate.schema.json``)."""

from __future__ import annotations

import hashlib
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openzoo.conformance.records import PluginReport
from openzoo.conformance.version import SCHEMA_ID, SCHEMA_VERSION, SUITE_VERSION

if TYPE_CHECKING:
    from openzoo.plugins import Registry

__all__ = ["build_certificate", "distribution_digest", "environment", "overall_verdict"]


def _editable_sources(pth: Path) -> list[Path]:
    """Return the source directories an editable install's ``.pth`` file puts on ``sys.path``."""
    try:
        lines = pth.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [Path(line.strip()) for line in lines if line.strip() and not line.startswith(("import", "#"))]


def _skipped(name: str) -> bool:
    return name.endswith(".pyc") or "__pycache__" in name


def distribution_digest(dist: str) -> tuple[str | None, int]:
    """Return the SHA-256 over a distribution's installed files (from its RECORD) and how many were hashed.

    Each file contributes its path and the SHA-256 of its content, in path order, so the
    digest changes when any installed file changes. For an editable install, whose RECORD
    lists only a ``.pth`` file, the files under the directories that file names (the
    plugin's source tree) are hashed too, as ``<pth name>/<relative path>``. Bytecode is
    left out. ``(None, 0)`` when not installed.
    """
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        files = distribution(dist).files or []
    except PackageNotFoundError:
        return None, 0
    contents: dict[str, Path] = {}
    for path in files:
        name = str(path)
        if _skipped(name):
            continue
        located = Path(str(path.locate()))
        contents[name] = located
        if name.endswith(".pth"):
            for root in _editable_sources(located):
                for source in root.rglob("*") if root.is_dir() else ():
                    relative = source.relative_to(root).as_posix()
                    if source.is_file() and not _skipped(relative):
                        contents[f"{name}/{relative}"] = source
    digest = hashlib.sha256()
    hashed = 0
    for name in sorted(contents):
        try:
            content = contents[name].read_bytes()
        except OSError:
            continue
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).hexdigest().encode() + b"\n")
        hashed += 1
    return digest.hexdigest(), hashed


def _version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def environment(registry: Registry, device: str) -> dict[str, Any]:
    """Return the environment block: versions, platform and the selected device and its name."""
    import torch

    import openzoo
    from openzoo.errors import OpenzooError

    try:
        available = bool(registry.resolve(registry.device(device)).is_available())
    except OpenzooError:
        available = False
    name = platform.processor() or platform.machine()
    if available and device == "cuda":
        name = torch.cuda.get_device_name(0)
    return {
        "core_version": openzoo.__version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": _version("transformers"),
        "platform": f"{sys.platform}-{platform.machine()}",
        "device": device,
        "device_available": available,
        "device_name": name if available else None,
    }


def overall_verdict(reports: list[PluginReport]) -> str:
    """``passed`` when every plugin passed, ``failed`` when one failed, ``incomplete`` otherwise."""
    verdicts = [r.verdict for r in reports]
    if not verdicts:
        return "incomplete"
    if "failed" in verdicts:
        return "failed"
    return "passed" if all(v == "passed" for v in verdicts) else "incomplete"


def build_certificate(
    reports: list[PluginReport], env: dict[str, Any], selection: dict[str, Any], *, mode: str = "standard"
) -> dict[str, Any]:
    """Return the certificate document (a JSON-ready dict) of a run.

    :param mode: ``certified`` for a ``--certify`` run (every check ran, no unjustified skip), else ``standard``.
    """
    return {
        "$schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "suite_version": SUITE_VERSION,
        "mode": mode,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "environment": env,
        "selection": selection,
        "verdict": overall_verdict(reports),
        "plugins": [
            {
                "plugin": r.plugin,
                "dist": r.dist,
                "version": r.version,
                "files_sha256": r.files_sha256,
                "files_hashed": r.files_hashed,
                "verdict": r.verdict,
                "counts": r.counts,
                "checks": [
                    {
                        "id": c.check,
                        "component": c.component,
                        "kind": c.kind,
                        "level": c.level,
                        "outcome": c.status,
                        "duration_s": round(c.duration, 4),
                        "message": c.message,
                        "tolerance": c.tolerance,
                        "error": c.error,
                        "waiver": c.waiver,
                        "reproduce": c.reproduce if c.status in ("failed", "xpass") else None,
                        "location": c.location,
                        "skip_device": c.skip_device,
                    }
                    for c in r.records
                ],
            }
            for r in reports
        ],
    }
