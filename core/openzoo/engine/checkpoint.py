"""Checkpoints: seeding, RNG states, and the trainer state saved next to the model.

A checkpoint directory (see :mod:`openzoo.engine.rundir`) holds the model as
``Model.save`` wrote it, ``trainer_state.pt`` and ``state.json``. The trainer
state holds only tensors, numbers, strings, lists and dicts, so it loads with
``torch.load(..., weights_only=True)``: nothing is unpickled. The numpy RNG
state is stored as a tensor for the same reason.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from openzoo.engine.rundir import (
    MODEL_DIR,
    STATE_FILE,
    TRAINER_STATE_FILE,
    atomic_directory,
    atomic_write_json,
    read_json,
)
from openzoo.errors import BadInputError

__all__ = [
    "capture_rng",
    "load_trainer_state",
    "non_finite_parameter",
    "restore_rng",
    "seed_everything",
    "write_checkpoint",
]

#: Version of the trainer-state layout; bumped when keys change meaning.
STATE_VERSION = 1


def seed_everything(seed: int, backend: Any | None = None) -> None:
    """Seed python's ``random``, numpy, torch and the device backend."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if backend is not None:
        backend.seed(seed)


def capture_rng() -> dict[str, Any]:
    """Return the RNG states of python, numpy, torch (CPU) and CUDA, in weights-only-safe types."""
    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": [version, list(internal), gauss],
        "numpy": {
            "kind": str(kind),
            "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: Mapping[str, Any]) -> None:
    """Restore what :func:`capture_rng` returned."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    npstate = state["numpy"]
    keys = npstate["keys"].numpy().astype(np.uint32)
    np.random.set_state(
        (npstate["kind"], keys, npstate["pos"], npstate["has_gauss"], npstate["cached_gaussian"])  # type: ignore[arg-type]
    )
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        cuda_states = state["cuda"]
        if len(cuda_states) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda_states)


def non_finite_parameter(module: torch.nn.Module) -> str | None:
    """Return the name of the first parameter holding NaN or an infinity, or ``None`` (one host sync).

    Buffers are not checked: some hold infinities on purpose (attention masks, rating bounds).
    """
    named = [(n, t) for n, t in module.named_parameters() if t.is_floating_point()]
    if not named:
        return None
    finite = torch.stack([torch.isfinite(t).all() for _, t in named]).tolist()
    return next((name for (name, _), ok in zip(named, finite) if not ok), None)


def write_checkpoint(
    directory: Path,
    *,
    save_model: Callable[[Path], None],
    trainer_state: Mapping[str, Any],
    summary: Mapping[str, Any],
) -> None:
    """Write a complete checkpoint to ``directory`` atomically (the previous one stays until then).

    :param save_model: writes the model into the directory it is given (``Model.save``).
    :param trainer_state: optimizer, scheduler, scaler, RNG and position; tensors and plain values only.
    :param summary: human-readable step, epoch and metrics, written as ``state.json`` last.
    """
    with atomic_directory(directory) as tmp:
        model_dir = tmp / MODEL_DIR
        model_dir.mkdir()
        save_model(model_dir)
        # Through a Python file, so a failed write raises the OSError (ENOSPC, EDQUOT ...) instead of
        # the RuntimeError torch's own file writer turns it into.
        with open(tmp / TRAINER_STATE_FILE, "wb") as handle:
            torch.save({"version": STATE_VERSION, **trainer_state}, handle)
        atomic_write_json(tmp / STATE_FILE, {**summary, "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})


def load_trainer_state(checkpoint: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return ``(trainer_state, state.json)`` of a checkpoint directory.

    :raises BadInputError: when a file is missing, corrupt, or not a trainer state of this engine.
    """
    summary = read_json(checkpoint / STATE_FILE, "checkpoint state")
    path = checkpoint / TRAINER_STATE_FILE
    if not path.is_file():
        raise BadInputError(f"checkpoint {checkpoint} is incomplete: {TRAINER_STATE_FILE} is missing")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 -- any failure means the file cannot be trusted
        raise BadInputError(
            f"checkpoint file {path} is corrupt or not a trainer state ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}); start a new run or restore the file"
        ) from None
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise BadInputError(
            f"checkpoint file {path} was not written by this engine (trainer state version "
            f"{state.get('version') if isinstance(state, dict) else None!r}, expected {STATE_VERSION})"
        )
    return state, summary
