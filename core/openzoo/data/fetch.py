"""Downloading a dataset's declared files: resumable, verified, with a progress bar.

:func:`fetch_file` streams ``url`` into ``<cache>/<dataset>/<name>.part``. When a
partial file is there, it asks for the rest with an HTTP ``Range`` request and
appends (a server that ignores ``Range`` answers ``200`` and the download starts
over). The finished file must have the declared size and SHA-256, then it is
renamed into place; a mismatch deletes the partial file and fails, so a corrupt
download is never used.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from openzoo.data.cache import PART_SUFFIX, dataset_cache_dir
from openzoo.errors import BadInputError, OpenzooError
from openzoo.specs import DataFile

__all__ = ["DownloadError", "fetch_file", "sha256_of"]

_CHUNK = 1 << 16
_TIMEOUT_S = 30


class DownloadError(OpenzooError):
    """A download failed (network, server or checksum); exit code 1. Rerunning resumes it."""


def sha256_of(path: Path) -> str:
    """Return the SHA-256 of a file as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _open(url: str, start: int) -> object:
    request = urllib.request.Request(url, headers={"User-Agent": "openzoo-data-fetch"})
    if start:
        request.add_header("Range", f"bytes={start}-")
    return urllib.request.urlopen(request, timeout=_TIMEOUT_S)


def fetch_file(
    dataset: str,
    file: DataFile,
    *,
    progress: Callable[[int, int], object] | None = None,
) -> tuple[Path, str]:
    """Download ``file`` into the cache, resuming a partial download; return ``(path, what happened)``.

    What happened is ``cached`` (already there and verified), ``downloaded`` or ``resumed``.
    ``progress(done, total)`` is called as bytes arrive.

    :raises DownloadError: when the server cannot be reached or answers with an error, or the
        download's size or SHA-256 differs from the declaration; the message says what to do.
    """
    directory = dataset_cache_dir(dataset)
    target = directory / file.name
    if target.is_file() and target.stat().st_size == file.size and sha256_of(target) == file.sha256:
        return target, "cached"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInputError(f"cannot create the cache directory {directory}: {exc}; set OPENZOO_CACHE") from None
    part = directory / (file.name + PART_SUFFIX)
    start = part.stat().st_size if part.is_file() else 0
    if start > file.size:
        part.unlink()
        start = 0
    outcome = "resumed" if start else "downloaded"
    if start < file.size:
        try:
            response = _open(file.url, start)
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and start:  # range beyond the end: start again from scratch
                part.unlink()
                return fetch_file(dataset, file, progress=progress)
            raise DownloadError(f"{file.url}: the server answered {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DownloadError(
                f"cannot reach {file.url} ({reason}). Offline, download it elsewhere and put it at {target}"
            ) from None
        with response:  # type: ignore[attr-defined]
            if start and getattr(response, "status", 200) != 206:  # the server ignored Range
                start, outcome = 0, "downloaded"
            done = start
            if progress is not None:
                progress(done, file.size)
            try:
                with open(part, "ab" if start else "wb") as handle:
                    while chunk := response.read(_CHUNK):  # type: ignore[attr-defined]
                        handle.write(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress(done, file.size)
                        if done > file.size:
                            break
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                raise DownloadError(
                    f"the download of {file.url} stopped at {done} of {file.size} bytes ({exc}); "
                    "rerun the same command to resume it"
                ) from None
    size = part.stat().st_size
    if size != file.size:
        if size > file.size:
            part.unlink()
        raise DownloadError(
            f"{file.url} gave {size} bytes, the dataset declares {file.size}; rerun to resume"
            if size < file.size
            else f"{file.url} gave more than the declared {file.size} bytes; the file changed upstream"
        )
    digest = sha256_of(part)
    if digest != file.sha256:
        part.unlink()
        raise DownloadError(
            f"{file.name}: SHA-256 mismatch: expected {file.sha256}, got {digest}; the download was deleted. "
            "Rerun to download it again; if it persists, the file changed upstream: report it to the plugin"
        )
    os.replace(part, target)
    return target, outcome
