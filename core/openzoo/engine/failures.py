"""Failures a user can act on: a diverged run, and the machine running out of something.

:class:`TrainingDiverged` stops a run whose loss or gradient norm stopped being a
finite number (exit code 3, :data:`openzoo.exitcodes.DIVERGED`).
:func:`describe_resource_error` names what ran out or was refused -- disk space,
permission, a read-only file system, memory -- and what to do about it; the trainer
and the CLI turn such errors into :class:`ResourceError` (exit code 2) instead of
"this is a bug". This module imports only the standard library.
"""

from __future__ import annotations

import errno
import os
from typing import final

from openzoo.errors import BadInputError, OpenzooError

__all__ = ["ResourceError", "TrainingDiverged", "describe_resource_error"]


class ResourceError(BadInputError):
    """The machine refused the work: no disk space, no permission, a read-only target, no memory (exit code 2)."""


@final
class TrainingDiverged(OpenzooError):
    """The training loss, the gradient norm or the weights stopped being finite (exit code 3).

    :attr:`kept` says what the run directory still holds (set by the trainer's caller).
    """

    def __init__(self, *, step: int, observed: str, last_finite: tuple[int, float] | None) -> None:
        #: The optimizer step at which the problem was seen.
        self.step = step
        #: What was seen: ``the training loss is nan``.
        self.observed = observed
        #: ``(step, loss)`` of the last finite training loss logged, or ``None``.
        self.last_finite = last_finite
        self.kept = ""
        super().__init__(step, observed)

    def __str__(self) -> str:
        last = (
            f"last finite loss {self.last_finite[1]:.6g} at step {self.last_finite[0]}"
            if self.last_finite
            else "no finite loss was logged before it"
        )
        text = (
            f"training diverged at step {self.step}: {self.observed} ({last}). Likely causes: a learning rate "
            "too high (lower --lr, or warm up with --warmup-ratio), fp16 overflow (try --precision bf16 or fp32), "
            "gradient clipping turned off (--max-grad-norm 0), or NaN/inf values in the data."
        )
        return f"{text} {self.kept}".rstrip()


def _disk_message(exc: OSError) -> str | None:
    code = exc.errno
    where = f" ({exc.strerror or exc}: {exc.filename})" if exc.filename else f" ({exc.strerror or exc})"
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return (
            f"the disk is full{where}; free some space (or raise your quota), "
            "or write the run to another file system with --out"
        )
    if code in (errno.EACCES, errno.EPERM):
        return f"permission denied{where}; choose a directory you can write to (--out), or fix its permissions"
    if code == errno.EROFS:
        return f"the file system is read-only{where}; choose a writable directory with --out"
    if code == errno.ENOTDIR or (code == errno.EEXIST and _is_file(exc.filename)):  # mkdir(parents) on a file
        return f"a path component is a file, not a directory{where}; choose another --out"
    return None


def _is_file(path: object) -> bool:
    """Whether ``path`` (an ``OSError.filename``) names something that exists and is not a directory."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        return False
    return os.path.lexists(path) and not os.path.isdir(path)


def describe_resource_error(exc: BaseException) -> str | None:
    """Return what ran out or was refused and what to do, or ``None`` when ``exc`` is no resource error.

    Looks through ``exc``'s causes, so an ``OSError`` that a library wrapped is found too.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, MemoryError):
            return (
                "out of memory (CPU RAM); lower --batch-size (keep the effective batch with --grad-accum), "
                "choose a smaller preset, or lower --workers"
            )
        if type(current).__name__ == "OutOfMemoryError" and type(current).__module__.startswith("torch"):
            return (
                "out of device memory (torch.OutOfMemoryError); lower --batch-size (keep the effective batch "
                "with --grad-accum), use --precision bf16 or fp16, or choose a smaller preset"
            )
        if isinstance(current, OSError):
            message = _disk_message(current)
            if message is not None:
                return message
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return None
