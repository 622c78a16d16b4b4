"""Claiming a run directory for one training process, and what a failed run leaves behind.

:func:`claim_run_directory` wraps everything a training process writes. On rank 0 it
creates the directory of a new run, takes its :class:`~openzoo.engine.runlock.RunLock`
and checks (under the lock) that a new run's directory is still empty; every rank
learns whether that worked, so a busy directory stops all of them with exit code 2
before anything is written.

When training then fails, the claim leaves a directory that helps the next command:

- a new run that saved no checkpoint yet is a failed start: what it created is removed,
  so the same ``--out`` works again (also when SIGTERM or Ctrl-C stops it while it claims
  the directory, before training starts);
- a run with a checkpoint keeps it, and the error says which step it holds and how to
  continue (``openzoo train --resume RUN``);
- a diverged run (:class:`~openzoo.engine.failures.TrainingDiverged`) and a resource
  error (disk full, permission, memory: :class:`~openzoo.engine.failures.ResourceError`)
  say which of the two happened.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from openzoo.engine.distributed import Distributed
from openzoo.engine.failures import ResourceError, TrainingDiverged, describe_resource_error
from openzoo.engine.interrupt import TrainingInterrupted
from openzoo.engine.rundir import STATE_FILE, RunDir
from openzoo.engine.runlock import LOCK_FILE, RunLock
from openzoo.errors import BadInputError, OpenzooError, PluginError

__all__ = ["RunUnchanged", "claim_run_directory"]

#: Error types whose message a failed run extends with what its directory keeps (plain constructors).
_PLAIN_ERRORS = (OpenzooError, BadInputError, PluginError)


class RunUnchanged(BadInputError):
    """A request refused before it touched the run (a resume that does not extend it).

    Its message says nothing of what the run directory keeps: the run is exactly as it was.
    """


def _make_directory(path: Path) -> None:
    path.mkdir(parents=True)


def _create(path: Path) -> bool:
    """Create ``path``; return whether this call created it (``False``: it existed, empty)."""
    try:
        _make_directory(path)
    except FileExistsError:
        if not path.is_dir():
            raise BadInputError(f"--out {path} is a file; choose a directory path for the run") from None
        return False
    except OSError as exc:
        message = describe_resource_error(exc)
        if message is None:
            raise
        raise ResourceError(f"cannot create run directory {path}: {message}") from None
    return True


def _check_still_empty(path: Path) -> None:
    if any(entry.name != LOCK_FILE for entry in path.iterdir()):
        raise BadInputError(
            f"--out {path} already exists and is not empty (another run wrote it first); choose a new directory, "
            f"or continue that run with --resume {path}"
        )


def _remove_created(path: Path, created: bool) -> None:
    if created:
        shutil.rmtree(path, ignore_errors=True)
        return
    for entry in path.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()


def _kept_checkpoint(run: RunDir) -> str | None:
    """Return ``step N`` of the run's last complete checkpoint, or ``None`` when it has none."""
    for name in ("last", "best"):
        checkpoint = run.complete_checkpoint(name)
        if checkpoint is not None:
            try:
                step = json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8")).get("step")
            except (OSError, ValueError, AttributeError):
                step = None
            return f"step {step}" if step is not None else "an earlier step"
    return None


def _after_failure(run: RunDir, *, fresh: bool, created: bool) -> str:
    """Clean up after a failed run (rank 0) and return the sentence saying what the directory keeps."""
    kept = _kept_checkpoint(run)
    if kept is not None:
        return (
            f"The last good checkpoint ({kept}) is kept in {run.checkpoints}; "
            f"continue with: openzoo train --resume {run.path}"
        )
    if fresh:
        _remove_created(run.path, created)
        return f"No checkpoint had been saved yet, so {run.path} was removed; the same --out can be used again."
    return f"{run.path} holds no complete checkpoint."


def _abandon(path: Path, lock: RunLock, *, created: bool) -> None:
    """Undo a claim that stopped before the run started: release the lock; remove the directory if this claim made it.

    Only an empty directory is removed (the lock file is gone with the lock): another process may have locked
    and written the directory this claim created, and what it wrote stays.
    """
    lock.release()
    if created:
        with contextlib.suppress(OSError):
            path.rmdir()


@contextlib.contextmanager
def claim_run_directory(run: RunDir, env: Distributed, *, fresh: bool) -> Iterator[None]:
    """Hold ``run`` for this training process (rank 0 locks; every rank waits for the verdict).

    :param fresh: a new run: create the directory, and remove it again if the run fails before its first
        checkpoint. For a resumed run nothing is created or removed.
    :raises RunDirInUseError: when another process writes ``run`` (on every rank).
    :raises TrainingDiverged: with :attr:`~TrainingDiverged.kept` saying what is left.
    :raises ResourceError: for a disk, permission or memory failure during training, saying what is left.
    """
    lock = RunLock(run.path)
    created = False
    try:
        # A path that does not exist yet counts as ours before mkdir makes it: a signal (Terminated, Ctrl-C) can
        # raise right after mkdir, before _create returns; one raising before mkdir leaves nothing to remove.
        created = env.is_main and fresh and not os.path.lexists(run.path)
        if env.is_main:
            try:
                if fresh:
                    created = _create(run.path)
                lock.acquire()
                if fresh:
                    _check_still_empty(run.path)
            except Exception as exc:
                env.broadcast_object(str(exc) if isinstance(exc, OpenzooError) else f"{type(exc).__name__}: {exc}")
                raise
        refused = env.broadcast_object(None)
        if refused is not None:
            raise BadInputError(refused)
    except BaseException:  # SIGTERM (Terminated), Ctrl-C and errors alike: a failed start leaves no directory
        _abandon(run.path, lock, created=created)
        raise
    try:
        yield
    except TrainingInterrupted:
        raise
    except TrainingDiverged as exc:
        if env.is_main:
            exc.kept = _after_failure(run, fresh=fresh, created=created)
        raise
    except BaseException as exc:
        kept = _after_failure(run, fresh=fresh, created=created) if env.is_main else ""
        plain = isinstance(exc, Exception) and not isinstance(exc, OpenzooError)  # ours already say what to do
        message = describe_resource_error(exc) if plain else None
        if message is not None:
            raise ResourceError(f"{message}. {kept}".rstrip()) from exc
        if kept and type(exc) in _PLAIN_ERRORS:  # the message gains what the directory keeps
            raise type(exc)(f"{str(exc).rstrip('.')}. {kept}") from exc
        raise
    finally:
        lock.release()
