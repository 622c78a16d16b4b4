"""A training session's outward side: the loggers it feeds and the status it records.

:func:`plan_loggers` checks the ``--logger`` names before anything is written
(unknown names get a did-you-mean, a missing extra says what to install).
:func:`training_session` wraps one session of a run (a new run, or a resume):
it builds the loggers, keeps ``RUN/status.json`` (``running`` while training,
then ``finished``, ``interrupted`` or ``failed``, with the planned steps and the
time spent) and closes every logger with that outcome. ``metrics.jsonl`` is not
a logger here: the trainer always writes it and hands each record on.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, final

from openzoo.engine.rundir import RunDir, atomic_write_json, read_json
from openzoo.errors import BadInputError, OpenzooError

__all__ = ["STATUS_FILE", "TrainingSession", "plan_loggers", "training_session"]

#: The status record of a run directory.
STATUS_FILE = "status.json"


def plan_loggers(registry: Any, names: Sequence[str]) -> list[Any]:
    """Return the :class:`~openzoo.LoggerSpec` of each name (``jsonl`` is always on and skipped).

    :raises UnknownNameError: for a name no plugin provides.
    :raises BadInputError: when a module the logger imports is not installed.
    """
    specs = []
    for name in dict.fromkeys(names):
        if name == "jsonl":
            continue
        spec = registry.logger(name)
        missing = [m for m in spec.imports if importlib.util.find_spec(m.split(".")[0]) is None]
        if missing:
            install = spec.requires or " ".join(missing)
            raise BadInputError(
                f"--logger {name} needs {', '.join(missing)}, which is not installed; "
                f"install it with: pip install '{install}'"
            )
        specs.append(spec)
    return specs


@final
@dataclass(slots=True)
class TrainingSession:
    """The loggers of one session and the status record it updates."""

    #: The run directory.
    run: RunDir
    #: Built loggers (:class:`~openzoo.protocols.RunLogger`), in ``--logger`` order.
    loggers: list[Any] = field(default_factory=list)
    #: The status record as last written.
    status: dict[str, Any] = field(default_factory=dict)
    #: ``time.time()`` when the session began (wall clock, for display).
    began: float = 0.0

    def begin(self) -> None:
        """Record that this process runs the session (before the model is built)."""
        self.status.update(status="running", pid=os.getpid(), host=socket.gethostname())
        self.status.update(session_started_at=_stamp(self.began))
        self.status.setdefault("started_at", _stamp(self.began))
        atomic_write_json(self.run.path / STATUS_FILE, self.status)

    def started(self, *, planned_steps: int, step: int) -> None:
        """Record that training runs, towards ``planned_steps``, from ``step``."""
        self.status.update(planned_steps=planned_steps, step=step)
        atomic_write_json(self.run.path / STATUS_FILE, self.status)

    def ended(self, outcome: str, step: int | None) -> None:
        """Record ``outcome`` and add this session's time to ``elapsed_s``."""
        now = time.time()
        self.status["elapsed_s"] = round(float(self.status.get("elapsed_s") or 0.0) + (now - self.began), 3)
        self.status.update(status=outcome, ended_at=_stamp(now))
        if step is not None:
            self.status["step"] = step
        atomic_write_json(self.run.path / STATUS_FILE, self.status)


def _stamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(seconds))


def _previous_status(run: RunDir) -> dict[str, Any]:
    path = run.path / STATUS_FILE
    if not path.is_file():
        return {}
    try:
        found = read_json(path, "run status")
    except BadInputError:
        return {}
    keep = ("started_at", "elapsed_s")
    return {k: found[k] for k in keep if k in found} if isinstance(found, dict) else {}


@contextlib.contextmanager
def training_session(
    run: RunDir,
    *,
    registry: Any,
    loggers: Sequence[Any],
    config: Mapping[str, Any],
    resumed_at: int | None,
    main: bool,
    step: Any = None,
) -> Iterator[TrainingSession]:
    """Build the loggers of ``loggers`` (specs from :func:`plan_loggers`) and keep the status of one session.

    On the main process only; elsewhere the session has no loggers and writes nothing.
    ``step`` is a callable returning the step reached, read when the session ends.
    The outcome is ``finished`` when the block returns, ``interrupted`` on Ctrl-C or a
    termination signal (``KeyboardInterrupt``) and ``failed`` on any other exception.
    """
    session = TrainingSession(run, began=time.time())
    if not main:
        yield session
        return
    session.status = _previous_status(run)
    session.begin()
    try:
        for spec in loggers:
            factory = registry.resolve(spec)
            session.loggers.append(factory(run_dir=run.path, config=config, resumed_at=resumed_at))
    except BaseException:
        _close_all(session.loggers, "failed")
        session.ended("failed", None)
        raise
    outcome = "failed"
    try:
        yield session
        outcome = "finished"
    except KeyboardInterrupt:
        outcome = "interrupted"
        raise
    finally:
        reached = step() if callable(step) else None
        with contextlib.suppress(OSError):
            session.ended(outcome, reached)
        _close_all(session.loggers, outcome)


def _close_all(loggers: Sequence[Any], outcome: str) -> None:
    """Close every logger; a logger failing to close does not hide the training's own outcome."""
    problems = []
    for logger in loggers:
        try:
            logger.close(outcome)
        except Exception as exc:  # noqa: BLE001 -- a tracker's failure must not lose the run's result
            problems.append(f"{type(logger).__name__}: {type(exc).__name__}: {exc}")
    if problems and outcome == "finished":
        raise OpenzooError("training finished, but closing a logger failed: " + "; ".join(problems))
