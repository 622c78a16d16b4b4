"""Where downloads are cached, and finding them offline.

The cache is ``$OPENZOO_CACHE``, else ``$XDG_CACHE_HOME/openzoo``, else
``~/.cache/openzoo``; a dataset's files live in ``<cache>/<dataset>/<file name>``.
A download in progress is ``<file name>.part`` beside it, so an interrupted
download resumes where it stopped. Nothing here reaches the network.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import final

from openzoo.errors import BadInputError
from openzoo.specs import DataFile

__all__ = ["PART_SUFFIX", "CachedFile", "cache_root", "dataset_cache_dir", "downloaded_file", "list_cache"]

#: Suffix of a partial download.
PART_SUFFIX = ".part"


def cache_root() -> Path:
    """Return the cache directory (read from the environment on every call)."""
    explicit = os.environ.get("OPENZOO_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "openzoo"


def dataset_cache_dir(dataset: str) -> Path:
    """Return the directory of ``dataset``'s downloads in the cache."""
    return cache_root() / dataset


def _human(size: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000  # type: ignore[assignment]
    return f"{size} B"


def downloaded_file(dataset: str, file: DataFile) -> Path:
    """Return the cached path of ``file`` for a loader, without reaching the network.

    :raises BadInputError: when the file is missing or has the wrong size; the message names
        the file, the command that fetches it, and where to put a copy downloaded by hand.
    """
    path = dataset_cache_dir(dataset) / file.name
    if path.is_file() and path.stat().st_size == file.size:
        return path
    problem = (
        f"{path} has {path.stat().st_size} bytes, not {file.size}"
        if path.is_file()
        else f"{file.name} ({_human(file.size)}) is not in the cache"
    )
    raise BadInputError(
        f"dataset {dataset!r}: {problem}. Fetch it with: openzoo data fetch {dataset}\n"
        f"Offline, download {file.url} elsewhere (SHA-256 {file.sha256}) and put it at {path} "
        "(OPENZOO_CACHE moves the cache)"
    )


@final
@dataclass(frozen=True, slots=True)
class CachedFile:
    """A file in the cache, as ``openzoo data list`` shows it."""

    #: The dataset directory it is in.
    dataset: str
    #: File name.
    name: str
    #: Bytes on disk.
    size: int
    #: True for an unfinished download (``.part``), which ``fetch`` resumes.
    partial: bool
    #: Full path.
    path: str


def list_cache() -> list[CachedFile]:
    """Return every file under the cache's dataset directories, sorted by dataset and name."""
    root = cache_root()
    if not root.is_dir():
        return []
    found = []
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        for entry in sorted(p for p in directory.iterdir() if p.is_file()):
            partial = entry.name.endswith(PART_SUFFIX)
            name = entry.name.removesuffix(PART_SUFFIX) if partial else entry.name
            found.append(CachedFile(directory.name, name, entry.stat().st_size, partial, str(entry)))
    return found
