"""The run directory: its layout, atomic writes, and reading it back.

A run directory holds everything one training run produced::

    RUN/config.json                 resolved settings, names, origins, versions, command line
    RUN/metrics.jsonl               one JSON record per log step and per evaluation
    RUN/checkpoints/last/           the latest checkpoint (see below)
    RUN/checkpoints/best/           the checkpoint with the best selection metric
    RUN/model/                      the selected model, as ``Model.save`` wrote it

and each checkpoint directory holds ``model/`` (``Model.save`` output),
``trainer_state.pt`` (optimizer, scheduler, scaler and RNG states, loaded with
``torch.load(..., weights_only=True)``) and ``state.json`` (step, epoch, metrics).

Every file is written atomically: into a temporary file in the same directory,
flushed and fsynced, then renamed over the target with :func:`os.replace`.
Directories are written the same way: a temporary sibling directory is filled,
then swapped in (in one step where the system can: :mod:`openzoo.engine.swap`);
the previous directory is kept (renamed aside) until the new one is in place, so
a crash at any moment leaves either the old or the new checkpoint complete.
``state.json`` is written last, so a checkpoint directory without it is
incomplete and never used. ``metrics.jsonl`` is append-only: each
record is one ``write`` of a whole line, readers skip a torn last line, and a
resumed run rewrites it (atomically) without the records past its checkpoint.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, final

from openzoo.engine.swap import exchange_directories
from openzoo.errors import BadInputError

__all__ = [
    "CONFIG_FILE",
    "METRICS_FILE",
    "STATE_FILE",
    "TRAINER_STATE_FILE",
    "MetricsLog",
    "RunDir",
    "atomic_directory",
    "atomic_write_bytes",
    "atomic_write_json",
    "clean_checkpoints",
    "read_metrics",
    "to_json_value",
]

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
CHECKPOINTS_DIR = "checkpoints"
MODEL_DIR = "model"
STATE_FILE = "state.json"
TRAINER_STATE_FILE = "trainer_state.pt"
#: Checkpoint names, in the order :meth:`RunDir.model_source` prefers them.
CHECKPOINT_NAMES = ("best", "last")
_TMP_MARK = ".tmp-"
_OLD_MARK = ".old-"


def _fsync_directory(path: Path) -> None:
    """Make a rename inside ``path`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same directory, fsync, rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}{_TMP_MARK}", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_directory(target.parent)


def to_json_value(value: Any) -> Any:
    """Return ``value`` with non-finite floats as ``None`` and tuples as lists (strict JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    return value


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write ``obj`` as indented, strict JSON to ``path`` atomically."""
    text = json.dumps(to_json_value(obj), indent=2, allow_nan=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def _fsync_tree(root: Path) -> None:
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            with open(os.path.join(dirpath, name), "rb") as handle:
                os.fsync(handle.fileno())
        _fsync_directory(Path(dirpath))


def replace_directory(source: Path, target: Path) -> None:
    """Swap the complete directory ``source`` in as ``target``, keeping the old one until then.

    Where the system can, the two names are exchanged in one step, so ``target`` never stops
    existing for a reader; elsewhere the old directory is renamed aside first.
    """
    old = None
    if not target.exists():
        os.rename(source, target)
    else:
        old = target.with_name(f".{target.name}{_OLD_MARK}{uuid.uuid4().hex[:8]}")
        if exchange_directories(source, target):
            os.rename(source, old)  # ``source`` now names the previous directory
        else:
            os.rename(target, old)
            os.rename(source, target)
    _fsync_directory(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_directory(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary directory that replaces ``target`` when the block succeeds.

    If the block raises (a crash while writing), the temporary directory is removed and
    ``target`` is left exactly as it was.
    """
    final_path = Path(target)
    final_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final_path.name}{_TMP_MARK}", dir=final_path.parent))
    try:
        yield tmp
        _fsync_tree(tmp)
        replace_directory(tmp, final_path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def remove_stale_temporaries(directory: Path) -> None:
    """Delete temporary files and directories a crashed writer left in ``directory``."""
    if not directory.is_dir():
        return
    for entry in directory.iterdir():
        if entry.name.startswith(".") and _TMP_MARK in entry.name:
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    entry.unlink()


def clean_checkpoints(directory: Path) -> None:
    """Remove what crashed writers left in ``directory``: temporaries, and old copies of complete checkpoints.

    An old copy (``.NAME.old-*``) is kept while ``NAME`` itself is incomplete: it is then the checkpoint.
    """
    remove_stale_temporaries(directory)
    if not directory.is_dir():
        return
    for entry in directory.iterdir():
        name, mark, _ = entry.name.partition(_OLD_MARK)
        if mark and name.startswith(".") and (directory / name[1:] / STATE_FILE).is_file():
            shutil.rmtree(entry, ignore_errors=True)


def read_json(path: Path, what: str) -> Any:
    """Read a JSON file, turning a missing or corrupt file into :class:`BadInputError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise BadInputError(f"cannot read {what} {path}: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(f"{what} {path} is corrupt (not valid JSON: {exc})") from None


def read_metrics(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Return the records of a ``metrics.jsonl`` file, skipping a torn (incomplete) line."""
    records = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


@final
class MetricsLog:
    """The append-only ``metrics.jsonl`` of a run (written by rank 0 only).

    Records are handed to the operating system at most every :attr:`flush_seconds` (and on
    :meth:`flush` and :meth:`close`; the trainer flushes before every checkpoint), like
    TensorBoard's event writer: a file ``tail -f`` follows closely, without a system call per
    training step. A run killed outright loses at most that last second of training-loss lines;
    ``--resume`` rewrites the log to its checkpoint anyway.
    """

    __slots__ = ("_flushed_at", "_handle", "flush_seconds", "path")

    def __init__(self, path: str | os.PathLike[str], *, flush_seconds: float = 1.0) -> None:
        self.path = Path(path)
        self.flush_seconds = flush_seconds
        self._handle: IO[str] | None = None
        # Minus infinity, not 0.0: time.monotonic()'s origin is arbitrary (on Linux the uptime), and the
        # first record must be due however long the machine has been up.
        self._flushed_at = -math.inf

    def append(self, record: Mapping[str, Any]) -> None:
        """Append one record as a single line; flush when :attr:`flush_seconds` have passed since the last flush."""
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "a", encoding="utf-8")
        self._handle.write(json.dumps(to_json_value(dict(record)), allow_nan=False) + "\n")
        if time.monotonic() - self._flushed_at >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Hand every appended record to the operating system."""
        if self._handle is not None:
            self._handle.flush()
            self._flushed_at = time.monotonic()

    def truncate_after(self, step: int) -> None:
        """Rewrite the log (atomically) without the records logged after ``step``."""
        self.close()
        kept = [r for r in read_metrics(self.path) if int(r.get("step", 0)) <= step]
        text = "".join(json.dumps(r, allow_nan=False) + "\n" for r in kept)
        atomic_write_bytes(self.path, text.encode("utf-8"))

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


@final
class RunDir:
    """Paths inside a run directory, and checks that it is one."""

    __slots__ = ("path",)

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def metrics_path(self) -> Path:
        return self.path / METRICS_FILE

    @property
    def checkpoints(self) -> Path:
        return self.path / CHECKPOINTS_DIR

    @property
    def model_dir(self) -> Path:
        return self.path / MODEL_DIR

    def checkpoint_path(self, name: str) -> Path:
        return self.checkpoints / name

    def is_run(self) -> bool:
        """Return whether the directory looks like a run directory (has ``config.json``)."""
        return self.config_path.is_file()

    def read_config(self) -> dict[str, Any]:
        """Return ``config.json``.

        :raises BadInputError: when the directory is missing, is not a run directory or is corrupt.
        """
        if not self.path.exists():
            raise BadInputError(f"run directory {self.path} does not exist; pass a directory 'openzoo train' wrote")
        if not self.path.is_dir():
            raise BadInputError(f"{self.path} is not a directory; pass a run directory 'openzoo train' wrote")
        if not self.config_path.exists():
            raise BadInputError(
                f"{self.path} is not a run directory: it has no {CONFIG_FILE}; pass a directory 'openzoo train' wrote"
            )
        config = read_json(self.config_path, "run configuration")
        if not isinstance(config, dict) or "model" not in config or "dataset" not in config:
            raise BadInputError(
                f"run configuration {self.config_path} is corrupt: it lacks the model and dataset entries"
            )
        return config

    def complete_checkpoint(self, name: str) -> Path | None:
        """Return checkpoint ``name`` if a complete one exists (recovering one a crash left renamed aside)."""
        path = self.checkpoint_path(name)
        if (path / STATE_FILE).is_file():
            return path
        if not self.checkpoints.is_dir():
            return None
        for candidate in sorted(self.checkpoints.glob(f".{name}{_OLD_MARK}*")):
            if (candidate / STATE_FILE).is_file():
                return candidate
        return None

    def model_source(self) -> Path:
        """Return the directory to load the run's model from: ``model/``, else the best, else the last checkpoint.

        :raises BadInputError: when the run has saved no model yet.
        """
        if (self.model_dir / CONFIG_FILE).exists() or self._has_files(self.model_dir):
            return self.model_dir
        for name in CHECKPOINT_NAMES:
            checkpoint = self.complete_checkpoint(name)
            if checkpoint is not None:
                return checkpoint / MODEL_DIR
        raise BadInputError(
            f"run directory {self.path} holds no saved model yet (no model/ and no complete checkpoint); "
            f"resume it with 'openzoo train --resume {self.path}' or train again"
        )

    @staticmethod
    def _has_files(directory: Path) -> bool:
        return directory.is_dir() and any(directory.iterdir())
