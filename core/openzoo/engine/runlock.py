"""One writer per run directory: an exclusive OS advisory lock on ``RUN/.openzoo-run.lock``.

``openzoo train --out RUN`` and ``--resume RUN`` hold :class:`RunLock` for as long as
they write (under ``torchrun``, rank 0 alone). The lock is ``flock(2)``: the operating
system releases it when the process ends, however it ends (``kill -9`` included), so a
lock file left behind by a killed writer never blocks anyone (a writer that finishes
deletes it). The file's text names the holder (process id, host, start time, command)
for the message a second writer gets.

Readers (``evaluate``, ``predict``, listings) never take the lock: every checkpoint and
model directory is swapped in whole (see :mod:`openzoo.engine.rundir`), so a reader
sees the previous or the next complete one. :func:`lock_holder` tells whether a run is
being written right now. This module imports only the standard library.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, final

from openzoo.errors import BadInputError

try:
    import fcntl
except ImportError:  # pragma: no cover -- Windows: no flock; runs are not locked there
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK_FILE", "LockHolder", "RunDirInUseError", "RunLock", "lock_holder"]

#: The lock file inside a run directory (hidden, and ignored when checking that ``--out`` is empty).
LOCK_FILE = ".openzoo-run.lock"
#: How long a writer retries before calling the directory busy: a :func:`lock_holder` probe holds
#: a shared lock for an instant, and must not turn a writer away.
_GRACE_SECONDS = 0.25


@final
@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds a run directory's lock, as its lock file says (fields ``None`` when unreadable)."""

    #: Process id of the writer.
    pid: int | None = None
    #: Host name the writer runs on (a run directory on a shared file system may be written from another host).
    host: str | None = None
    #: When the writer took the lock, ``YYYY-MM-DDTHH:MM:SS+zzzz``.
    started: str | None = None
    #: The writer's command line.
    command: str | None = None

    def describe(self) -> str:
        """Return ``process 123 (started ..., on host ...)``, leaving out what is unknown."""
        who = f"process {self.pid}" if self.pid is not None else "another process"
        details = [f"started {self.started}"] if self.started else []
        if self.host and self.host != socket.gethostname():
            details.append(f"on host {self.host}")
        return f"{who} ({', '.join(details)})" if details else who


class RunDirInUseError(BadInputError):
    """Another process is writing the run directory (exit code 2)."""

    def __init__(self, path: Path, holder: LockHolder) -> None:
        self.path = path
        self.holder = holder
        super().__init__(
            f"run directory {path} is in use by {holder.describe()}; wait for that run to finish "
            f"(or stop it, and continue it later with --resume {path}), or choose another --out"
        )


def _read_holder(path: Path) -> LockHolder:
    try:
        record = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return LockHolder()
    if not isinstance(record, dict):
        return LockHolder()
    pid = record.get("pid")
    return LockHolder(
        pid=pid if isinstance(pid, int) else None,
        host=record.get("host") if isinstance(record.get("host"), str) else None,
        started=record.get("started") if isinstance(record.get("started"), str) else None,
        command=record.get("command") if isinstance(record.get("command"), str) else None,
    )


@final
class RunLock:
    """The exclusive lock of one run directory, held from :meth:`acquire` to :meth:`release` (or process exit).

    The directory must exist. :meth:`acquire` never blocks for long: when another process
    holds the lock it raises :class:`RunDirInUseError` naming that process.
    """

    __slots__ = ("_fd", "path")

    def __init__(self, run_dir: str | os.PathLike[str]) -> None:
        self.path = Path(run_dir) / LOCK_FILE
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock and write this process's details into the lock file.

        :raises RunDirInUseError: when another process holds the lock.
        """
        if self._fd is not None or fcntl is None:
            return
        deadline = time.monotonic() + _GRACE_SECONDS
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise RunDirInUseError(self.path.parent, _read_holder(self.path)) from None
                time.sleep(0.02)
                continue
            except BaseException:
                os.close(fd)
                raise
            if self._same_file(fd):
                break
            os.close(fd)  # the file was replaced while we waited for it: lock the new one
        self._fd = fd
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S%z"),
            "command": " ".join(sys.argv),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode("utf-8"), 0)

    def _same_file(self, fd: int) -> bool:
        try:
            return os.stat(self.path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            return False

    def release(self) -> None:
        """Delete the lock file and release the lock (a no-op when not held).

        A writer waiting on the deleted file notices (its inode is gone from the path) and locks a new one.
        """
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.close(fd)  # closing the descriptor releases the flock

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.release()


def lock_holder(run_dir: str | os.PathLike[str]) -> LockHolder | None:
    """Return who is writing ``run_dir`` right now, or ``None`` when nobody is (the run is not running).

    Takes a shared lock for an instant to ask the operating system; never creates a file.
    """
    path = Path(run_dir) / LOCK_FILE
    if fcntl is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(path)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
