"""A ``metrics.jsonl`` record as flat scalars, and a run's hyperparameters as flat values.

Every logger shows the same names: ``train/loss``, ``train/lr``,
``train/examples_per_s`` and ``train/epoch`` for a training record, and
``<split>/<metric>`` (``validation/accuracy``) for an evaluation record.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["TRAINING_KEYS", "hyperparameters", "record_scalars"]

#: Keys of a training record that become ``train/<key>`` scalars.
TRAINING_KEYS = ("loss", "lr", "examples_per_s", "epoch")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def record_scalars(record: Mapping[str, Any]) -> dict[str, float]:
    """Return the scalars of one record; non-finite values stay (``nan``) so a diverging run is visible."""
    if isinstance(record.get("metrics"), Mapping):
        split = record.get("split") or "eval"
        values = {f"{split}/{name}": _number(value) for name, value in record["metrics"].items()}
        values[f"{split}/epoch"] = _number(record.get("epoch"))
    else:
        values = {f"train/{key}": _number(record.get(key)) for key in TRAINING_KEYS if key in record}
    return {key: (math.nan if value is None else value) for key, value in values.items()}


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif value is None or isinstance(value, (bool, int, float, str)):
        out[prefix] = value
    else:
        out[prefix] = str(value)


def hyperparameters(config: Mapping[str, Any]) -> dict[str, Any]:
    """Return a run's hyperparameters as ``{"training.lr": 0.001, "model.name": "vit", ...}``.

    From ``config.json``: the model (name, preset, options, config), the dataset (name, options),
    the selection metric and every training setting. ``None`` values are kept.
    """
    model = config.get("model") or {}
    dataset = config.get("dataset") or {}
    picked = {
        "model": {k: model.get(k) for k in ("name", "preset", "from_pretrained", "options", "config")},
        "dataset": {k: dataset.get(k) for k in ("name", "options")},
        "selection_metric": (config.get("selection_metric") or {}).get("key"),
        "training": config.get("training") or {},
        "world_size": config.get("world_size"),
    }
    out: dict[str, Any] = {}
    _flatten("", picked, out)
    return out
