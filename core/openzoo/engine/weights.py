"""Checking a saved model's weight files before and after its plugin loads them.

Plugins load their own weights (:meth:`~openzoo.Model.load`). The engine does not
trust that blindly, because a model whose weights silently failed to load still
predicts -- with random weights. So around every load of a run's model:

- before: every ``*.safetensors`` file of the directory must be whole (its header
  parses and its data covers exactly what the header declares), so a truncated or
  corrupted file is named instead of surfacing as some error deep in a plugin
  (:func:`openzoo.strict_loading.check_weight_files`, which the plugins use too);
- after: the module must hold exactly as many values as the files (tensors shared
  between two names, such as tied embeddings, count once). Fewer values in the files
  means the plugin initialised something that was not saved; more means it ignored
  weights. Keys present on both sides must have the same shape.

Only the files' headers are read here; tensors are never materialised.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openzoo.strict_loading import listed_keys, reshaped_key, weights_mismatch

__all__ = ["check_loaded_weights"]


def _module_state(module: Any) -> tuple[dict[str, tuple[int, ...]], int]:
    """Return the module's persistent tensors by name, and their total size with shared storage counted once."""
    shapes: dict[str, tuple[int, ...]] = {}
    seen: set[tuple[int, int]] = set()
    total = 0
    for name, tensor in module.state_dict(keep_vars=True).items():
        shapes[name] = tuple(tensor.shape)
        key = (tensor.untyped_storage().data_ptr(), tensor.storage_offset())
        if tensor.numel() and key in seen:
            continue
        seen.add(key)
        total += tensor.numel()
    return shapes, total


def check_loaded_weights(
    module: Any, files: Mapping[Path, Mapping[str, tuple[int, ...]]], *, model: str, directory: Path
) -> None:
    """Check that the module a plugin loaded holds exactly the weights in ``files`` (see the module docstring).

    :param files: what :func:`~openzoo.strict_loading.check_weight_files` returned for ``directory``;
        nothing is checked when empty.
    :param model: the model's name, for messages.
    :raises BadInputError: naming the reshaped keys, or the values and keys that differ, and the directory.
    """
    if not files:
        return
    stored = {name: shape for shapes in files.values() for name, shape in shapes.items()}
    stored_total = sum(math.prod(shape) for shape in stored.values())
    held, held_total = _module_state(module)
    reshaped = [reshaped_key(k, stored[k], held[k]) for k in stored if k in held and stored[k] != held[k]]
    if not reshaped and stored_total == held_total:
        return
    names = ", ".join(path.name for path in files)
    problems = []
    if reshaped:
        problems.append(f"reshaped keys: {listed_keys(reshaped)}")
    if stored_total != held_total:
        missing = sorted(set(held) - set(stored))
        unexpected = sorted(set(stored) - set(held))
        problems.append(f"the files hold {stored_total} values but the model built from the run's config {held_total}")
        if missing and len(missing) < len(held):
            problems.append(f"keys the model has but the files lack: {listed_keys(missing)}")
        if unexpected and len(unexpected) < len(stored):
            problems.append(f"keys in the files the model does not have: {listed_keys(unexpected)}")
    raise weights_mismatch(f"{directory} ({names})", f"model {model!r}", problems)
