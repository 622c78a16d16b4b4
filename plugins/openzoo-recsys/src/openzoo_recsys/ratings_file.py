"""Read a ratings file into :class:`Rating` records, with errors that name the file and line.

Formats:

``udata``
    MovieLens 100K ``u.data``: no header, ``user item rating [timestamp]`` per line,
    tab-separated unless ``delimiter`` says otherwise.
``csv``
    a header line names the columns (MovieLens ``ratings.csv``:
    ``userId,movieId,rating,timestamp``); ``user_col``, ``item_col``, ``rating_col``
    and ``timestamp_col`` pick them. The timestamp column is optional: without it,
    line order stands for time. The delimiter is sniffed from the header (tab,
    ``;``, ``|`` or ``,``) unless given.
``auto``
    ``udata`` when every field of the first line is a number, else ``csv``.

A user who rates the same item twice is an error by default; ``duplicates="last"``
keeps the later line, ``duplicates="mean"`` averages the ratings (and keeps the
latest timestamp).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import final

from openzoo import BadInputError

__all__ = ["Rating", "read_ratings"]

_FORMATS = ("auto", "udata", "csv")
_DUPLICATES = ("error", "last", "mean")


@final
@dataclass(frozen=True, slots=True)
class Rating:
    """One rating read from a file."""

    #: User id as written in the file.
    user: str
    #: Item id as written in the file.
    item: str
    #: The rating.
    rating: float
    #: Timestamp (any number; larger is later); the line number when the file has none.
    timestamp: float
    #: 1-based line number in the file (the first line kept when duplicates were merged).
    line: int


def read_ratings(
    path: str | os.PathLike[str],
    *,
    format: str = "auto",
    delimiter: str | None = None,
    user_col: str = "userId",
    item_col: str = "movieId",
    rating_col: str = "rating",
    timestamp_col: str = "timestamp",
    duplicates: str = "error",
) -> list[Rating]:
    """Return the ratings of the file at ``path`` in file order (see the module docs for the formats).

    :raises BadInputError: for a missing or empty file, unknown columns, a malformed line, a
        non-numeric rating or timestamp, or a duplicate (user, item) pair with ``duplicates="error"``.
    """
    if format not in _FORMATS:
        raise BadInputError(f"dataset option format={format!r} must be one of {list(_FORMATS)}")
    if duplicates not in _DUPLICATES:
        raise BadInputError(f"dataset option duplicates={duplicates!r} must be one of {list(_DUPLICATES)}")
    if delimiter is not None and len(delimiter) != 1:
        delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
        if len(delimiter) != 1:
            raise BadInputError(f"dataset option delimiter={delimiter!r} must be one character (or 'tab')")
    source = Path(path)
    lines = _numbered_lines(source)
    first = next(lines, None)
    if first is None:
        raise BadInputError(f"{source}: the ratings file is empty; expected one rating per line")
    number, text = first
    if format == "auto":
        fields = _split(text, delimiter or _sniff(text))
        format = "udata" if all(_is_number(f) for f in fields) else "csv"
    if format == "udata":
        sep = delimiter or "\t"
        rows = _udata_rows(source, [(number, text), *lines], sep)
    else:
        sep = delimiter or _sniff(text)
        rows = _csv_rows(source, number, text, lines, sep, user_col, item_col, rating_col, timestamp_col)
    return _merge(source, rows, duplicates)


def _numbered_lines(source: Path) -> Iterator[tuple[int, str]]:
    if not source.is_file():
        raise BadInputError(f"{source}: no such ratings file; set the dataset option path to an existing file")
    try:
        with source.open(encoding="utf-8-sig", newline="") as handle:
            for number, raw in enumerate(handle, start=1):
                text = raw.rstrip("\r\n")
                if text.strip():
                    yield number, text
    except UnicodeDecodeError as error:
        raise BadInputError(f"{source}: not UTF-8 text ({error.reason} at byte {error.start})") from None


def _sniff(header: str) -> str:
    for candidate in ("\t", ";", "|", ","):
        if candidate in header:
            return candidate
    return ","


def _split(text: str, sep: str) -> list[str]:
    return next(csv.reader([text], delimiter=sep))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _udata_rows(source: Path, lines: list[tuple[int, str]], sep: str) -> Iterator[Rating]:
    for number, text in lines:
        fields = _split(text, sep)
        if len(fields) not in (3, 4):
            raise BadInputError(
                f"{source}:{number}: malformed line {text!r}: expected 3 or 4 fields "
                f"(user, item, rating[, timestamp]) separated by {sep!r}, found {len(fields)}; "
                "fix the line, or set -o format=csv for a file with a header"
            )
        timestamp = fields[3] if len(fields) == 4 else None
        yield _record(source, number, fields[0], fields[1], fields[2], timestamp)


def _csv_rows(
    source: Path,
    header_number: int,
    header: str,
    lines: Iterator[tuple[int, str]],
    sep: str,
    user_col: str,
    item_col: str,
    rating_col: str,
    timestamp_col: str,
) -> Iterator[Rating]:
    columns = [c.strip() for c in _split(header, sep)]
    wanted = {"user_col": user_col, "item_col": item_col, "rating_col": rating_col}
    missing = {option: name for option, name in wanted.items() if name not in columns}
    if missing:
        hints = ", ".join(f"-o {option}=<column>" for option in missing)
        raise BadInputError(
            f"{source}:{header_number}: header has no column {' or '.join(repr(n) for n in missing.values())}; "
            f"the columns are {columns}. Name yours with {hints}, or set -o format=udata for a file without a header"
        )
    position = {name: columns.index(name) for name in wanted.values()}
    stamp = columns.index(timestamp_col) if timestamp_col in columns else None
    for number, text in lines:
        fields = _split(text, sep)
        if len(fields) != len(columns):
            raise BadInputError(
                f"{source}:{number}: malformed line {text!r}: expected {len(columns)} fields separated by "
                f"{sep!r} like the header, found {len(fields)}; fix or remove the line"
            )
        yield _record(
            source,
            number,
            fields[position[user_col]],
            fields[position[item_col]],
            fields[position[rating_col]],
            fields[stamp] if stamp is not None else None,
        )


def _record(source: Path, number: int, user: str, item: str, rating: str, timestamp: str | None) -> Rating:
    user, item = user.strip(), item.strip()
    if not user or not item:
        raise BadInputError(f"{source}:{number}: empty user or item id; fix or remove the line")
    value = _number(source, number, "rating", rating)
    time = float(number) if timestamp is None else _number(source, number, "timestamp", timestamp)
    return Rating(user=user, item=item, rating=value, timestamp=time, line=number)


def _number(source: Path, number: int, what: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BadInputError(
            f"{source}:{number}: {what} {text.strip()!r} is not a number; fix or remove the line"
        ) from None
    if not math.isfinite(value):
        raise BadInputError(f"{source}:{number}: {what} {text.strip()!r} is not a finite number")
    return value


def _merge(source: Path, rows: Iterator[Rating], policy: str) -> list[Rating]:
    kept: dict[tuple[str, str], list[Rating]] = {}
    for row in rows:
        key = (row.user, row.item)
        earlier = kept.get(key)
        if earlier is None:
            kept[key] = [row]
        elif policy == "error":
            raise BadInputError(
                f"{source}:{row.line}: duplicate rating of item {row.item!r} by user {row.user!r} "
                f"(first at line {earlier[0].line}); remove one line, or set -o duplicates=last "
                "to keep the later line or -o duplicates=mean to average them"
            )
        elif policy == "last":
            kept[key] = [row]
        else:
            earlier.append(row)
    merged = []
    for group in kept.values():
        if len(group) == 1:
            merged.append(group[0])
        else:
            mean = sum(r.rating for r in group) / len(group)
            latest = max(r.timestamp for r in group)
            merged.append(Rating(group[0].user, group[0].item, mean, latest, group[0].line))
    merged.sort(key=lambda r: r.line)
    return merged
