"""Whether a run is running, finished, interrupted or failed.

The engine keeps ``RUN/status.json`` (see :mod:`openzoo.engine.session`): ``running``
while a session trains, then its outcome. A run is *running* only while its writer
holds the run directory's lock (:func:`run_is_locked`); a status that still says
``running`` without a live writer means the process died without saying (kill -9,
a lost machine): such a run is shown as ``interrupted``, since ``--resume`` continues
it from its last checkpoint. Runs written before ``status.json`` existed are judged
from their files: a model exported means finished, a checkpoint alone interrupted.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from pathlib import Path
from typing import Any

from openzoo.engine.rundir import MODEL_DIR, RunDir
from openzoo.engine.runlock import LOCK_FILE, lock_holder
from openzoo.engine.session import STATUS_FILE

__all__ = ["LOCK_FILE", "STATUSES", "read_status", "run_is_locked", "run_status"]

#: The statuses ``openzoo runs`` shows.
STATUSES = ("running", "finished", "interrupted", "failed")


def run_is_locked(path: str | os.PathLike[str]) -> bool:
    """Return whether a writer holds the run directory's lock (never blocks, never creates the file)."""
    return lock_holder(path) is not None


def _process_alive(status: dict[str, Any]) -> bool:
    """Return whether the status's writer process still runs (same host only)."""
    pid = status.get("pid")
    if not isinstance(pid, int) or status.get("host") != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_status(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Return ``RUN/status.json`` (``{}`` when missing or unreadable)."""
    with contextlib.suppress(OSError, ValueError):
        found = json.loads((Path(path) / STATUS_FILE).read_text(encoding="utf-8"))
        if isinstance(found, dict):
            return found
    return {}


def run_status(path: str | os.PathLike[str], status: dict[str, Any] | None = None) -> str:
    """Return ``running``, ``finished``, ``interrupted`` or ``failed`` for a run directory."""
    status = read_status(path) if status is None else status
    recorded = status.get("status")
    if run_is_locked(path) or (recorded == "running" and _process_alive(status)):
        return "running"
    if recorded in ("finished", "interrupted", "failed"):
        return str(recorded)
    if recorded == "running":
        return "interrupted"
    run = RunDir(path)
    if (run.path / MODEL_DIR).is_dir() and any((run.path / MODEL_DIR).iterdir()):
        return "finished"
    return "interrupted" if run.complete_checkpoint("last") else "failed"
