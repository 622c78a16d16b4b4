"""Ctrl-C during training: finish the current step, save a checkpoint, say how to resume.

While :class:`GracefulInterrupt` is active (main thread only), the first SIGINT
only sets a flag; the training loop checks it after each optimizer step, saves
a checkpoint at that consistent point and raises :class:`TrainingInterrupted`.
A second SIGINT raises :class:`KeyboardInterrupt` at once (the checkpoints
already on disk stay intact).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

__all__ = ["GracefulInterrupt", "TrainingInterrupted"]


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped on Ctrl-C after saving a checkpoint; :attr:`run_dir` resumes it.

    A :class:`KeyboardInterrupt`, so code that handles Ctrl-C keeps working.
    """

    def __init__(self, run_dir: str, step: int) -> None:
        self.run_dir = run_dir
        self.step = step
        super().__init__(
            f"training interrupted at step {step}; a checkpoint was saved. "
            f"Resume with: openzoo train --resume {run_dir}"
        )

    def __str__(self) -> str:
        return str(self.args[0])


class GracefulInterrupt:
    """Context manager turning the first SIGINT into a flag (:attr:`requested`)."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None
        self._installed = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> GracefulInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False
