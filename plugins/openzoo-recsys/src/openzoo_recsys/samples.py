"""Ratings files for ``openzoo conformance`` beyond the shipped sample (``DatasetSpec`` of ``ratings``).

:func:`write_malformed_ratings_samples` (``malformed_samples``): each case is a small file that is
broken in one way a real export is, with the words the ``BadInputError`` must contain. The
duplicate case is a good file under ``-o duplicates=last`` or ``mean``, so the suite's record of
the plugin sees what each policy keeps.

:func:`write_ratings_sample_variants` (``sample_variants``): the shipped sample's ratings in the
other layouts the reader takes -- MovieLens ``u.data`` (tab-separated, no header, lines not in time
order; also read with ``-o format=udata -o delimiter=tab``, and separated by semicolons with ``-o
delimiter=;``), a semicolon-separated export with its own column names,
and a file without timestamps -- each of which must load.
"""

from __future__ import annotations

import math
from pathlib import Path

__all__ = ["write_malformed_ratings_samples", "write_ratings_sample_variants"]

_HEADER = "userId,movieId,rating,timestamp"


def _good_rows() -> list[str]:
    """Four users with four ratings each (every split gets one per user under leave-last-out)."""
    rows = []
    for user in range(1, 5):
        for offset, item in enumerate((10, 20, 30, 40)):
            rating = 1.0 + (user * 3 + item // 10) % 9 / 2
            rows.append(f"{user},{item + user % 2},{rating},{1_600_000_000 + 1000 * user + 10 * offset}")
    return rows


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> str:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding) if lines else b"")
    return str(path)


def write_malformed_ratings_samples(directory: Path) -> dict[str, tuple[dict[str, str], str]]:
    """Write broken ratings files into ``directory``; return ``{case: (loader options, words of the error)}``."""
    root = Path(directory)
    good = _good_rows()
    # user 2 rates item 20 again, lower and later: line 7 holds the first rating, line 18 the second
    duplicate = _write(root / "duplicate.csv", [_HEADER, *good, "2,20,0.5,1600009999"])
    short = _write(root / "short-line.csv", [_HEADER, *good[:5], "3,30,4.0", *good[5:]])
    long = _write(root / "long-line.csv", [_HEADER, *good[:3], "1,31,4.0,1600001111,surplus", *good[3:]])
    wordy = _write(root / "rating-word.csv", [_HEADER, *good[:2], "1,50,five,1600001234", *good[2:]])
    infinite = _write(root / "rating-nan.csv", [_HEADER, *good[:7], "2,60,nan,1600002345", *good[7:]])
    renamed = _write(root / "renamed-column.csv", ["userId,movieId,score,timestamp", *good])
    udata = _write(root / "u.data", [row.replace(",", "\t") for row in good[:3]] + ["4\t70"])
    empty = _write(root / "empty.csv", [])
    no_user = _write(root / "no-user.csv", [_HEADER, *good[:4], " ,80,3.0,1600003456"])
    latin1 = root / "latin1.csv"
    latin1.write_bytes(f"{_HEADER}\n1,90,4.0,1600004567\n".encode() + "1,91,3.0,\xe9t\xe9\n".encode("latin-1"))
    return {
        "a user rating the same item twice": (
            {"path": duplicate},
            "duplicate.csv:18: duplicate rating of item '20' by user '2' (first at line 7)",
        ),
        "a line with a field missing": (
            {"path": short},
            "short-line.csv:7: malformed line '3,30,4.0': expected 4 fields",
        ),
        "a line with a field too many": (
            {"path": long},
            "long-line.csv:5: malformed line '1,31,4.0,1600001111,surplus': expected 4 fields",
        ),
        "a rating that is not a number": ({"path": wordy}, "rating-word.csv:4: rating 'five' is not a number"),
        "a rating that is not finite": ({"path": infinite}, "rating-nan.csv:9: rating 'nan' is not a finite number"),
        "a header without the rating column": (
            {"path": renamed},
            "renamed-column.csv:1: header has no column 'rating'",
        ),
        "a u.data line with two fields": ({"path": udata}, "u.data:4: malformed line '4\\t70': expected 3 or 4 fields"),
        "an empty file": ({"path": empty}, "empty.csv: the ratings file is empty"),
        "a line without a user id": ({"path": no_user}, "no-user.csv:6: empty user or item id"),
        "a file that is not UTF-8": ({"path": str(latin1)}, "latin1.csv: not UTF-8 text"),
    }


def write_ratings_sample_variants(directory: Path) -> dict[str, dict[str, str]]:
    """Write the shipped sample's ratings in other layouts into ``directory``; return ``{variant: loader options}``."""
    from openzoo_recsys.datasets import SAMPLE_FILE

    root = Path(directory)
    header, *rows = SAMPLE_FILE.read_text(encoding="utf-8").split()
    if header != _HEADER:
        raise ValueError(f"{SAMPLE_FILE}: expected the header {_HEADER!r}")
    fields = [row.split(",") for row in rows]
    # u.data is not in time order (MovieLens 100K's is not): the timestamps, not the lines, order each user
    if math.gcd(7, len(fields)) != 1:
        raise ValueError("stepping by 7 must visit every line: the sample's size must not be a multiple of 7")
    shuffled = [fields[(index * 7) % len(fields)] for index in range(len(fields))]
    udata = _write(root / "u.data", ["\t".join(f) for f in shuffled])
    semicolons = _write(root / "u-semicolons.data", [";".join(f) for f in shuffled])
    renamed = _write(root / "export.csv", ["user;item;stars;time", *(";".join(f) for f in fields)])
    untimed = _write(root / "untimed.csv", ["userId,movieId,rating", *(",".join(f[:3]) for f in fields)])
    # ids of an export that names some users and items: numbers sort numerically first, then names
    named = [[u if int(u) % 3 else f"guest{u}", i if int(i) % 4 else f"film{i}", *rest] for u, i, *rest in fields]
    mixed = _write(root / "mixed-ids.csv", [_HEADER, *(",".join(f) for f in named)])
    return {
        "MovieLens u.data (tab-separated, no header)": {"path": udata},
        "u.data with -o format=udata -o delimiter=tab": {"path": udata, "format": "udata", "delimiter": "tab"},
        "u.data separated by semicolons, -o delimiter=;": {"path": semicolons, "delimiter": ";"},
        "a semicolon-separated export with its own column names": {
            "path": renamed,
            "user_col": "user",
            "item_col": "item",
            "rating_col": "stars",
            "timestamp_col": "time",
        },
        "a file without timestamps (line order is time)": {"path": untimed},
        "ids that mix numbers and names": {"path": mixed},
    }
