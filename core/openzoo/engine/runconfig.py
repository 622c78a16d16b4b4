"""``config.json`` of a run: everything needed to reproduce it, and checks on ``--resume``.

The record names the model (preset, final ``config``, user options, origin),
the dataset (options, splits, origin), the metrics, the training settings, the
device, the versions of python, torch, numpy, openzoo and every plugin
involved, the world size and the command line. ``--resume`` reads it back and
refuses flags that contradict it (:func:`resume_conflicts_for`).
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from openzoo.engine.components import MetricPlan, describe_origin
from openzoo.engine.settings import TrainingSettings, resume_conflicts
from openzoo.errors import BadInputError
from openzoo.plugins import core_version, split_model_name

__all__ = ["FORMAT_VERSION", "build_run_config", "check_resume_request", "versions"]

#: Version of the ``config.json`` layout.
FORMAT_VERSION = 1


def versions(specs: Sequence[Any]) -> dict[str, str]:
    """Return the versions of python, torch, numpy, openzoo and each spec's distribution."""
    import numpy
    import torch

    found = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "openzoo": core_version(),
    }
    for spec in specs:
        origin = getattr(spec, "origin", None)
        if origin is not None:
            found.setdefault(origin.dist, origin.version)
    return found


def build_run_config(
    *,
    model_spec: Any,
    preset: str | None,
    model_config: Mapping[str, Any],
    model_options: Mapping[str, Any],
    from_pretrained: str | None,
    dataset_spec: Any,
    dataset_options: Mapping[str, Any],
    train_split: str,
    eval_split: str | None,
    metrics: Sequence[MetricPlan],
    selection: MetricPlan | None,
    settings: TrainingSettings,
    device_spec: Any,
    world_size: int,
    command: Sequence[str] | None,
) -> dict[str, Any]:
    """Return the ``config.json`` record of a new run."""
    return {
        "format": FORMAT_VERSION,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": {
            **describe_origin(model_spec),
            "task": model_spec.task,
            "preset": preset,
            "from_pretrained": from_pretrained,
            "options": dict(model_options),
            "config": dict(model_config),
        },
        "dataset": {
            **describe_origin(dataset_spec),
            "options": dict(dataset_options),
            "train_split": train_split,
            "eval_split": eval_split,
        },
        "metrics": [{"key": p.key, **describe_origin(p.spec), "options": dict(p.options)} for p in metrics],
        "selection_metric": (
            {"key": selection.key, "higher_is_better": selection.higher_is_better} if selection else None
        ),
        "training": settings.as_dict(),
        "device": describe_origin(device_spec),
        "world_size": world_size,
        "versions": versions([model_spec, dataset_spec, device_spec, *(p.spec for p in metrics)]),
        "command": list(command) if command is not None else list(sys.argv),
        "resumes": [],
    }


def check_resume_request(
    config: Mapping[str, Any],
    *,
    model: str | None,
    dataset: str | None,
    preset: str | None,
    from_pretrained: str | None,
    options: Mapping[str, Any] | None,
    metrics: Sequence[str] | None,
    select_metric: str | None,
    out: str | None,
    training: Mapping[str, Any],
    run_path: str,
) -> None:
    """Refuse a ``--resume`` whose other arguments contradict the run's ``config.json``.

    :raises BadInputError: listing every conflicting flag with the stored and the given value.
    """
    stored_model = config["model"]
    conflicts: list[str] = []
    if model is not None:
        base, tag = split_model_name(model)
        if base != stored_model.get("name") or (tag and tag != stored_model.get("preset")):
            conflicts.append(f"MODEL (the run has {stored_model.get('name')!r}, given {model!r})")
    if dataset is not None and dataset != config["dataset"].get("name"):
        conflicts.append(f"--dataset (the run has {config['dataset'].get('name')!r}, given {dataset!r})")
    if preset is not None and preset != stored_model.get("preset"):
        conflicts.append(f"--preset (the run has {stored_model.get('preset')!r}, given {preset!r})")
    if from_pretrained is not None and from_pretrained != stored_model.get("from_pretrained"):
        conflicts.append(f"--from-pretrained (the run has {stored_model.get('from_pretrained')!r})")
    if options:
        conflicts.append("-o (a resumed run keeps its options: " + ", ".join(sorted(options)) + ")")
    if metrics:
        stored = [m["key"] for m in config.get("metrics", [])]
        if list(metrics) != stored:
            conflicts.append(f"--metric (the run has {stored}, given {list(metrics)})")
    if select_metric is not None:
        stored_selection = (config.get("selection_metric") or {}).get("key")
        if select_metric != stored_selection:
            conflicts.append(f"--select-metric (the run has {stored_selection!r}, given {select_metric!r})")
    if out is not None:
        conflicts.append("--out (a resumed run writes into the directory it resumes)")
    conflicts += resume_conflicts(config.get("training", {}), training)
    if conflicts:
        raise BadInputError(
            f"--resume {run_path} continues the run with its stored settings, but these flags differ: "
            + "; ".join(conflicts)
            + ". Drop them, or start a new run with --out."
        )
