"""Writing generated pages: atomically, and only when their text changed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_if_changed"]


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` through a temporary file and a rename, unless it already holds it.

    Leaving an unchanged page alone keeps its modification time, so Sphinx does not re-read it.

    :returns: whether the file was written.
    """
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True
