"""Ctrl-C and SIGTERM during training: finish the current step, save a checkpoint, say how to resume.

While :class:`GracefulInterrupt` is active (main thread only), the first SIGINT
(Ctrl-C) or SIGTERM (what Slurm, Kubernetes and spot-instance reclaimers send
before they kill a job) only sets a flag; the training loop checks it after each
optimizer step, saves a checkpoint at that consistent point and raises
:class:`TrainingInterrupted`, which the CLI turns into exit code 130 (SIGINT) or
143 (SIGTERM). The time that takes is bounded by one optimizer step (or the
evaluation already running) plus one checkpoint write. A second signal raises
:class:`KeyboardInterrupt` at once (the checkpoints already on disk stay intact).

Outside the training loop (loading data, building the model), :func:`terminate_raises`
makes SIGTERM raise :class:`Terminated`, so a run that has not started training yet
cleans up what it created instead of dying with it half-written.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

__all__ = ["GracefulInterrupt", "Terminated", "TrainingInterrupted", "terminate_raises"]

#: The signals :class:`GracefulInterrupt` turns into a flag.
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped on Ctrl-C or SIGTERM after saving a checkpoint; :attr:`run_dir` resumes it.

    A :class:`KeyboardInterrupt`, so code that handles Ctrl-C keeps working.
    """

    def __init__(self, run_dir: str, step: int, signum: int = signal.SIGINT) -> None:
        self.run_dir = run_dir
        self.step = step
        #: The signal that stopped the run (``SIGINT`` or ``SIGTERM``); the exit code is 128 plus it.
        self.signum = int(signum)
        how = "stopped by SIGTERM" if self.signum == signal.SIGTERM else "interrupted"
        super().__init__(
            f"training {how} at step {step}; a checkpoint was saved. Resume with: openzoo train --resume {run_dir}"
        )

    def __str__(self) -> str:
        return str(self.args[0])


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived outside the training loop (see :func:`terminate_raises`); exit code 143."""

    signum = int(signal.SIGTERM)

    def __init__(self) -> None:
        super().__init__("stopped by SIGTERM before training started; nothing was kept")

    def __str__(self) -> str:
        return str(self.args[0])


class GracefulInterrupt:
    """Context manager turning the first SIGINT or SIGTERM into a flag (:attr:`requested`, :attr:`signum`)."""

    def __init__(self) -> None:
        self.requested = False
        #: The first signal received, or ``None``.
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self.signum = signum

    def __enter__(self) -> GracefulInterrupt:
        if threading.current_thread() is threading.main_thread():
            for signum in _SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


@contextlib.contextmanager
def terminate_raises() -> Iterator[None]:
    """Make SIGTERM raise :class:`Terminated` inside the block (main thread only; a no-op elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
