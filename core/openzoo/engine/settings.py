"""Training settings: the preset's ``training`` defaults overridden by the user's flags.

:class:`TrainingSettings` is the one record of how a run trains. It is built by
:func:`resolve_training_settings`, written into ``config.json`` and read back on
``--resume``, where :func:`resume_conflicts` lists the flags that contradict it.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, final

from openzoo.errors import BadInputError

__all__ = [
    "EXTENDABLE",
    "MAX_SEED",
    "SCHEDULES",
    "Extension",
    "TrainingSettings",
    "auto_workers",
    "extend_settings",
    "max_workers",
    "resolve_training_settings",
    "resolve_workers",
    "resume_conflicts",
    "steps_per_epoch",
    "usable_cpus",
]

#: Learning-rate schedules: linear warmup, then linear decay to 0, cosine decay to 0, or constant.
SCHEDULES = ("linear", "cosine", "constant")
#: Defaults when neither the preset nor the user sets a value.
DEFAULTS: dict[str, Any] = {
    "epochs": 1,
    "max_steps": None,
    "batch_size": 32,
    "grad_accum": 1,
    "lr": 1e-3,
    "warmup_ratio": 0.0,
    "weight_decay": 0.0,
    "max_grad_norm": 1.0,
    "schedule": "linear",
    "eval_every": None,
    "log_every": 10,
    "seed": 0,
    "precision": "fp32",
}
#: The largest learning rate: AdamW's first step moves a weight by up to 10 x lr, which must fit a float32.
MAX_LR = 3.4028234663852886e38 / 10
#: The largest ``--seed``: torch's generators take 64-bit seeds, and an epoch's shuffle is seeded ``seed + epoch``.
MAX_SEED = 2**63 - 1
#: Settings a resumed run may change: they do not change what is computed.
RESUMABLE_CHANGES = frozenset({"device", "workers"})
#: The most DataLoader workers ``--workers auto`` starts per training process.
AUTO_WORKERS_CAP = 4
#: Settings a resumed run may raise to train further (see :func:`extend_settings`).
EXTENDABLE = ("epochs", "max_steps")


@final
@dataclass(frozen=True, slots=True)
class TrainingSettings:
    """How a run trains (a field per flag of ``openzoo train``)."""

    #: Passes over the training split (ignored when :attr:`max_steps` is set).
    epochs: int
    #: Optimizer steps to take in total; ``None`` means :attr:`epochs` decides.
    max_steps: int | None
    #: Examples per batch on each process (the global batch is this times the world size).
    batch_size: int
    #: Batches whose gradients are accumulated into one optimizer step.
    grad_accum: int
    #: Peak learning rate of AdamW.
    lr: float
    #: Fraction of the optimizer steps spent warming the learning rate up from 0.
    warmup_ratio: float
    #: AdamW weight decay (not applied to biases and normalisation weights).
    weight_decay: float
    #: Gradient norm clipping threshold; ``0`` turns clipping off.
    max_grad_norm: float
    #: Learning-rate schedule after warmup, one of :data:`SCHEDULES`.
    schedule: str
    #: Evaluate (and checkpoint) every N optimizer steps; ``None`` means at the end of each epoch.
    eval_every: int | None
    #: Write a training record to ``metrics.jsonl`` every N optimizer steps.
    log_every: int
    #: Seed of python, numpy, torch and the device.
    seed: int
    #: ``fp32``, ``bf16`` or ``fp16`` (autocast through the device backend).
    precision: str
    #: Device name (``cpu``, ``cuda``, ``mps`` or a plugin's), resolved from ``auto``.
    device: str
    #: DataLoader worker processes (``0`` loads in the training process); ``auto`` is resolved to a number.
    workers: int = 0
    #: Run the module through ``torch.compile`` (models declaring the ``torch_compile`` capability only).
    compile: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _positive(name: str, value: Any, kind: type) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int):
        raise BadInputError(f"--{name.replace('_', '-')} must be a {kind.__name__}; got {value!r}")
    if value <= 0:
        raise BadInputError(f"--{name.replace('_', '-')} must be greater than 0; got {value!r}")


def _finite(name: str, value: Any) -> float:
    """Return ``value`` as a float, refusing what is not a number, NaN and the infinities."""
    flag = f"--{name.replace('_', '-')}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInputError(f"{flag} must be a number; got {value!r}")
    if not math.isfinite(value):
        raise BadInputError(f"{flag} must be a finite number; got {value!r}")
    return float(value)


def _validate(values: Mapping[str, Any]) -> None:
    for name in ("epochs", "batch_size", "grad_accum", "log_every"):
        _positive(name, values[name], int)
    for name in ("max_steps", "eval_every"):
        if values[name] is not None:
            _positive(name, values[name], int)
    if not 0 < _finite("lr", values["lr"]) < MAX_LR:
        raise BadInputError(
            f"--lr must be greater than 0 and below {MAX_LR:.3g} (AdamW's first step moves a weight by up to "
            f"10 x lr, which must fit a float32); got {values['lr']!r}"
        )
    if not 0.0 <= _finite("warmup_ratio", values["warmup_ratio"]) < 1.0:
        raise BadInputError(f"--warmup-ratio must be in [0, 1); got {values['warmup_ratio']!r}")
    for name in ("weight_decay", "max_grad_norm"):
        if _finite(name, values[name]) < 0:
            hint = " (0 turns clipping off)" if name == "max_grad_norm" else ""
            raise BadInputError(f"--{name.replace('_', '-')} must be 0 or more{hint}; got {values[name]!r}")
    if values["schedule"] not in SCHEDULES:
        raise BadInputError(f"--schedule must be one of {', '.join(SCHEDULES)}; got {values['schedule']!r}")
    seed = values["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise BadInputError(f"--seed must be an int from 0 to {MAX_SEED} (2**63 - 1); got {seed!r}")
    if not isinstance(values["compile"], bool):
        raise BadInputError(f"--compile must be true or false; got {values['compile']!r}")


def usable_cpus() -> int:
    """Return the CPUs this process may run on (its affinity mask where the OS has one, else the CPU count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return max(os.cpu_count() or 1, 1)


def auto_workers(local_processes: int = 1) -> int:
    """Return the DataLoader workers ``--workers auto`` means for one of ``local_processes`` on this machine.

    Each training process keeps one CPU for itself and takes up to :data:`AUTO_WORKERS_CAP`
    of the rest of its share; a machine with one CPU per process loads in the process (``0``).
    """
    share = usable_cpus() // max(local_processes, 1)
    return max(0, min(AUTO_WORKERS_CAP, share - 1))


def resolve_workers(value: Any, local_processes: int = 1) -> int:
    """Return ``value`` as a number of workers: ``"auto"`` becomes :func:`auto_workers`, an int of 0 or more stays.

    :raises BadInputError: for anything else.
    """
    if isinstance(value, str) and value.strip().lower() == "auto":
        return auto_workers(local_processes)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadInputError(f"--workers must be 'auto' or an int of 0 or more; got {value!r}")
    limit = max_workers()
    if value > limit:
        raise BadInputError(
            f"--workers {value} would start {value} loader processes per training process, and this machine has "
            f"{usable_cpus()} usable CPU(s): give at most {limit}, or --workers auto ({auto_workers(local_processes)} "
            "here)"
        )
    return value


def max_workers() -> int:
    """Return the most DataLoader workers a run may ask for: 4 per usable CPU, and at least 8.

    More only adds processes that wait for a CPU (and memory for each); a number far beyond it is a typo
    that would otherwise try to start that many processes.
    """
    return max(8, 4 * usable_cpus())


def resolve_training_settings(
    preset_training: Mapping[str, Any], overrides: Mapping[str, Any], *, device: str, local_processes: int = 1
) -> TrainingSettings:
    """Merge defaults, the preset's ``training`` mapping and the user's flags (``None`` = not given).

    ``--epochs`` and ``--max-steps`` exclude each other; a user's choice of one
    drops the preset's value of the other. ``workers="auto"`` becomes a number for this
    machine shared by ``local_processes`` training processes (:func:`auto_workers`).

    :raises BadInputError: for both ``epochs`` and ``max_steps`` given, or any value out of range.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    if "epochs" in given and "max_steps" in given:
        raise BadInputError("give either --epochs or --max-steps, not both")
    values: dict[str, Any] = dict(DEFAULTS)
    values.update({k: v for k, v in preset_training.items() if k in DEFAULTS})
    if "epochs" in given:
        values["max_steps"] = None
    values.update(given)
    values["device"] = device
    values["workers"] = resolve_workers(values.get("workers", 0), local_processes)
    values.setdefault("compile", False)
    unknown = set(values) - {f.name for f in dataclasses.fields(TrainingSettings)}
    if unknown:
        raise BadInputError(f"unknown training settings {sorted(unknown)}")
    _validate(values)
    values["lr"] = float(values["lr"])
    values["warmup_ratio"] = float(values["warmup_ratio"])
    values["weight_decay"] = float(values["weight_decay"])
    values["max_grad_norm"] = float(values["max_grad_norm"])
    return TrainingSettings(**values)


def resume_conflicts(stored: Mapping[str, Any], overrides: Mapping[str, Any]) -> list[str]:
    """Return ``--flag (run has X, given Y)`` for each given flag that contradicts the stored settings."""
    conflicts = []
    # A setting added after a run was made (``compile``) has its default in that run.
    defaults = {f.name: f.default for f in dataclasses.fields(TrainingSettings) if f.default is not dataclasses.MISSING}
    for name, value in overrides.items():
        if value is None or name in RESUMABLE_CHANGES:
            continue
        if (name not in stored and name not in defaults) or stored.get(name, defaults.get(name)) != value:
            flag = "--" + name.replace("_", "-")
            conflicts.append(f"{flag} (the run has {stored.get(name, defaults.get(name))!r}, given {value!r})")
    return conflicts


def steps_per_epoch(examples: int, settings: TrainingSettings, world_size: int) -> int:
    """Return the optimizer steps in one epoch of ``examples`` training examples (as the trainer counts them)."""
    per_rank = math.ceil(examples / world_size)
    return math.ceil(math.ceil(per_rank / settings.batch_size) / settings.grad_accum)


def planned_steps(settings: TrainingSettings, per_epoch: int) -> int:
    """Return the optimizer steps ``settings`` train for in total."""
    return settings.max_steps or settings.epochs * per_epoch


@final
@dataclass(frozen=True, slots=True)
class Extension:
    """A finished (or interrupted) run extended to train further."""

    #: The settings of the extended run.
    settings: TrainingSettings
    #: The training settings that change (``{"max_steps": 400}`` or ``{"epochs": 5, "max_steps": None}``).
    changes: dict[str, Any]
    #: What ``config.json`` records under ``extensions``: ``from`` and ``to`` (settings and planned steps).
    record: dict[str, Any]


def extend_settings(
    settings: TrainingSettings, given: Mapping[str, Any], per_epoch: int, *, reached: int
) -> Extension | None:
    """Return the extension that ``--epochs`` or ``--max-steps`` asks of a resumed run, or ``None`` for none.

    A value equal to the stored one is no change. The new plan must go beyond the old one: a run
    is extended, never cut short (its schedule and best checkpoint were made for the old plan).

    :raises BadInputError: for both flags, a bad value, or a plan not longer than the stored one.
    """
    given = {k: v for k, v in given.items() if v is not None and k in EXTENDABLE}
    if not given or all(getattr(settings, k) == v for k, v in given.items()):
        return None
    if len(given) > 1:
        raise BadInputError("give either --epochs or --max-steps to extend a run, not both")
    ((name, value),) = given.items()
    _positive(name, value, int)
    changes = {"max_steps": value} if name == "max_steps" else {"epochs": value, "max_steps": None}
    extended = dataclasses.replace(settings, **changes)
    old_plan, new_plan = planned_steps(settings, per_epoch), planned_steps(extended, per_epoch)
    if new_plan <= old_plan:
        flag = "--" + name.replace("_", "-")
        raise BadInputError(
            f"{flag} {value} does not extend the run: it plans {new_plan} optimizer steps and the run already "
            f"planned {old_plan} (it reached step {reached}); give a larger value to train further"
        )
    old = {"epochs": settings.epochs, "max_steps": settings.max_steps, "planned_steps": old_plan}
    new = {"epochs": extended.epochs, "max_steps": extended.max_steps, "planned_steps": new_plan}
    return Extension(extended, changes, {"from": old, "to": new})
