"""Plain-text tables, key/value trees and JSON for the listing commands.

Deliberately small and dependency-free (no rich): ``openzoo list`` must start fast.
Human output goes to stdout as aligned columns; ``--json`` output is produced by
:func:`dump_json`, which turns specs and records into plain JSON values.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["dump_json", "format_table", "format_tree", "output_width", "to_jsonable"]


def output_width() -> int | None:
    """Return the terminal width when stdout is a terminal, else ``None`` (no truncation)."""
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size((100, 24)).columns


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def format_table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, width: int | None = None) -> list[str]:
    """Return the lines of a table with left-aligned columns separated by two spaces.

    :param headers: column titles, printed upper-case; an empty sequence prints no header line.
    :param width: when given, the last column is clipped so every line fits in ``width`` characters.
    """
    body = [[str(cell) for cell in row] for row in rows]
    table = ([[h.upper() for h in headers]] if headers else []) + body
    if not table:
        return []
    columns = max(len(row) for row in table)
    widths = [max((len(row[i]) for row in table if i < len(row)), default=0) for i in range(columns)]
    lines = []
    for row in table:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
        line = "  ".join(cells).rstrip()
        if width is not None:
            line = _clip(line, width)
        lines.append(line)
    return lines


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return str(value)


def format_tree(data: Mapping[str, Any], indent: int = 0) -> list[str]:
    """Return ``key: value`` lines for nested data, as ``openzoo info`` and ``doctor`` print it.

    Mappings nest by two spaces, lists of scalars are joined with ``, `` and lists of
    mappings become ``-`` items. Empty values are skipped.
    """
    pad = " " * indent
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            if value:
                lines.append(f"{pad}{key}:")
                lines.extend(format_tree(value, indent + 2))
        elif isinstance(value, (list, tuple, set, frozenset)):
            items = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
            if not items:
                continue
            if all(isinstance(item, Mapping) for item in items):
                lines.append(f"{pad}{key}:")
                for item in items:
                    sub = format_tree(item, indent + 4)
                    if sub:
                        lines.append(f"{pad}  - {sub[0].lstrip()}")
                        lines.extend(sub[1:])
            else:
                lines.append(f"{pad}{key}: {', '.join(_scalar(item) for item in items)}")
        elif value is not None and value != "":
            lines.append(f"{pad}{key}: {_scalar(value)}")
    return lines


def to_jsonable(value: Any) -> Any:
    """Convert specs, records, mappings, tuples and sets into JSON values.

    Infinite floats become the strings ``"inf"``/``"-inf"`` (JSON has no infinity);
    sets become sorted lists.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return [to_jsonable(v) for v in sorted(value, key=str)]
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def dump_json(value: Any) -> str:
    """Return ``value`` as indented JSON (strict: no NaN or infinity)."""
    return json.dumps(to_jsonable(value), indent=2, allow_nan=False)
