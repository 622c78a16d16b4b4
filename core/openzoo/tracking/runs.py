"""The summary of run directories behind ``openzoo runs``: one record per run, read from its files.

Nothing here imports torch: a record is built from ``config.json``, ``status.json``,
the last checkpoint's ``state.json`` and ``metrics.jsonl``, so listing a hundred
runs takes well under a second.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, final

from openzoo.engine.rundir import STATE_FILE, RunDir, read_metrics
from openzoo.errors import BadInputError
from openzoo.tracking.status import read_status, run_status

__all__ = ["RunSummary", "find_runs", "summarise_run"]


@final
@dataclass(slots=True)
class RunSummary:
    """What ``openzoo runs`` shows for one run directory."""

    #: The run directory.
    path: str
    #: ``model.preset`` (or ``model`` for a run from pretrained weights).
    model: str
    #: Dataset name.
    dataset: str
    #: ``running``, ``finished``, ``interrupted`` or ``failed`` (see :mod:`openzoo.tracking.status`).
    status: str
    #: Optimizer steps done (the furthest the run's files show).
    steps: int
    #: Optimizer steps planned; ``None`` when the run never started training.
    planned_steps: int | None
    #: ``{"metric", "value", "step"}`` of the best evaluation, or ``None`` without one.
    best: dict[str, Any] | None
    #: When the run was created (``config.json``'s ``created_at``).
    started: str
    #: Seconds spent training over all sessions (a running session counts up to now).
    duration_s: float | None
    #: Metrics of the last evaluation.
    last_metrics: dict[str, float] = field(default_factory=dict)
    #: ``--logger`` names besides metrics.jsonl.
    loggers: list[str] = field(default_factory=list)
    #: Resumes and extensions, from ``config.json``.
    resumes: int = 0
    #: ``[{"at", "step", "from", "to"}]`` for each extension (``train --resume RUN --max-steps N``).
    extensions: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _checkpoint_state(run: RunDir) -> dict[str, Any]:
    checkpoint = run.complete_checkpoint("last")
    if checkpoint is None:
        return {}
    with contextlib.suppress(OSError, ValueError):
        found = json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8"))
        if isinstance(found, dict):
            return found
    return {}


def _best_from_metrics(records: list[dict[str, Any]], selection: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not selection or not selection.get("key"):
        return None
    key, higher = selection["key"], bool(selection.get("higher_is_better", True))
    best = None
    for record in records:
        value = (record.get("metrics") or {}).get(key)
        if not isinstance(value, (int, float)) or value != value:
            continue
        if best is None or (value > best["value"] if higher else value < best["value"]):
            best = {"metric": key, "value": value, "step": record.get("step")}
    return best


def _since(stamp: Any) -> float | None:
    if not isinstance(stamp, str):
        return None
    try:
        return max(0.0, time.time() - time.mktime(time.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z")))
    except ValueError:
        return None


def summarise_run(path: str | os.PathLike[str]) -> RunSummary:
    """Return the summary of one run directory.

    :raises BadInputError: when ``path`` is not a run directory (no or corrupt ``config.json``).
    """
    run = RunDir(path)
    config = run.read_config()
    status = read_status(run.path)
    state = _checkpoint_state(run)
    records = read_metrics(run.metrics_path)
    model = config.get("model") or {}
    preset = model.get("preset")
    name = f"{model.get('name')}.{preset}" if preset else str(model.get("name"))
    steps = max([int(status.get("step") or 0), int(state.get("step") or 0)] + [int(r.get("step", 0)) for r in records])
    training = config.get("training") or {}
    planned = status.get("planned_steps") or training.get("max_steps")
    evaluations = [r for r in records if isinstance(r.get("metrics"), dict)]
    best = state.get("best") or _best_from_metrics(evaluations, config.get("selection_metric"))
    shown = run_status(run.path, status)
    duration = status.get("elapsed_s")
    if shown == "running":
        duration = float(duration or 0.0) + (_since(status.get("session_started_at")) or 0.0)
    return RunSummary(
        path=str(run.path),
        model=name,
        dataset=str((config.get("dataset") or {}).get("name")),
        status=shown,
        steps=steps,
        planned_steps=int(planned) if planned else None,
        best=dict(best) if best else None,
        started=str(config.get("created_at", "")),
        duration_s=round(float(duration), 1) if duration is not None else None,
        last_metrics=dict(evaluations[-1]["metrics"]) if evaluations else {},
        loggers=list(config.get("loggers") or []),
        resumes=len(config.get("resumes") or []),
        extensions=list(config.get("extensions") or []),
    )


def find_runs(directory: str | os.PathLike[str] = "runs") -> list[RunSummary]:
    """Return the summaries of the run directories directly under ``directory``, oldest first.

    A subdirectory without ``config.json`` is not a run and is skipped; a run whose
    ``config.json`` is corrupt is listed with status ``failed``.

    :raises BadInputError: when ``directory`` does not exist or is not a directory.
    """
    root = Path(directory)
    if not root.is_dir():
        raise BadInputError(
            f"{root} is not a directory of runs; pass the directory 'openzoo train' writes runs into "
            "(default runs/, or the parent of your --out directories)"
        )
    found = []
    for child in sorted(root.iterdir()):
        if not child.is_dir() or not RunDir(child).is_run():
            continue
        try:
            found.append(summarise_run(child))
        except BadInputError:
            found.append(RunSummary(str(child), "?", "?", "failed", 0, None, None, "", None))
    return sorted(found, key=lambda s: (s.started, s.path))
