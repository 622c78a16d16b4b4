"""Swapping two directories in one step, where the operating system can.

A checkpoint directory is replaced while readers (``openzoo evaluate`` and ``predict`` on a run that is
still training) may be looking at it. Two renames (old aside, new in) leave a moment in which the
directory does not exist; Linux's ``renameat2(..., RENAME_EXCHANGE)`` swaps the two names atomically,
so a reader always finds either the old or the new checkpoint. Elsewhere (other systems, file systems
without the flag, a C library without the call) :func:`exchange_directories` says so and the caller
falls back to the two renames; readers then retry (:func:`openzoo.engine.loading.load_run`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["exchange_directories"]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
#: errno values meaning "this system or file system cannot exchange": fall back, do not fail.
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EPERM}


@functools.lru_cache(maxsize=1)
def _renameat2() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):  # no C library found, or one older than glibc 2.28
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def exchange_directories(first: Path, second: Path) -> bool:
    """Swap the names ``first`` and ``second`` (both must exist) atomically; return whether it was done.

    ``False`` means this system cannot (nothing was changed); any other failure raises :class:`OSError`.
    """
    function = _renameat2()
    if function is None:
        return False
    result = function(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))
