"""What ``GET /v1/model`` says about the served run: model, preset, task, labels, versions, best metric."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

from openzoo.engine.loading import LoadedRun
from openzoo.engine.rundir import STATE_FILE, RunDir

__all__ = ["describe_run"]


def describe_run(loaded: LoadedRun, *, backend: str, limits: dict[str, Any]) -> dict[str, Any]:
    """Return the description of the served run (plain JSON values).

    ``labels`` come from the saved model's ``config.json`` (``id2label``, the Hugging Face
    convention) and are ``null`` for models without one; ``best`` is the best value of the
    run's selection metric, from its last checkpoint.
    """
    spec = loaded.spec
    model_entry = loaded.config.get("model") or {}
    origin = spec.origin
    return {
        "model": spec.name,
        "preset": model_entry.get("preset"),
        "task": loaded.task.name,
        "labels": _labels(loaded),
        "run": loaded.path.name if loaded.path else None,
        "dataset": (loaded.config.get("dataset") or {}).get("name"),
        "best": _best_metric(loaded),
        "versions": {
            "openzoo": _version("openzoo"),
            "plugin": {"dist": origin.dist, "version": origin.version} if origin else None,
        },
        "predict_options": [
            {"name": o.name, "type": o.type, "default": o.default, "help": o.help} for o in spec.predict_options
        ],
        "backend": backend,
        "device": str(loaded.device),
        "precision": loaded.device_plan.precision,
        "limits": limits,
    }


def _labels(loaded: LoadedRun) -> list[str] | None:
    if loaded.path is None:
        return None
    try:
        config = json.loads((RunDir(loaded.path).model_source() / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    id2label = config.get("id2label") if isinstance(config, dict) else None
    if not isinstance(id2label, dict):
        return None
    try:
        return [str(id2label[key]) for key in sorted(id2label, key=int)]
    except (TypeError, ValueError):
        return None


def _best_metric(loaded: LoadedRun) -> dict[str, Any] | None:
    if loaded.path is None:
        return None
    checkpoint = RunDir(loaded.path).complete_checkpoint("last")
    if checkpoint is None:
        return None
    try:
        state = json.loads(Path(checkpoint, STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    best = state.get("best") if isinstance(state, dict) else None
    return best if isinstance(best, dict) else None


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None
