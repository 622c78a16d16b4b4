"""The ``csv`` logger: ``RUN/csv/metrics.csv`` and ``RUN/csv/hparams.json``, like Lightning's CSVLogger.

One row per record, a ``step`` column first and one column per scalar name (see
:mod:`openzoo.tracking.scalars`); a training row leaves the evaluation columns
empty and the other way round. When a record brings a new name, the file is
rewritten (atomically) with the wider header, as Lightning does. A resumed run
drops the rows past the step it continues from.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, final

from openzoo.engine.rundir import atomic_write_bytes, atomic_write_json
from openzoo.tracking.scalars import hyperparameters, record_scalars

__all__ = ["CSV_DIR", "CsvLogger", "read_csv_metrics"]

#: Directory of the csv logger inside a run directory.
CSV_DIR = "csv"
_METRICS = "metrics.csv"


def read_csv_metrics(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Return the rows of a ``metrics.csv`` as dicts (empty cells are empty strings)."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except FileNotFoundError:
        return []


def _render(header: list[str], rows: list[Mapping[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@final
class CsvLogger:
    """Writes each record as a CSV row; see the module docstring for the layout."""

    def __init__(self, *, run_dir: str | os.PathLike[str], config: Mapping[str, Any], resumed_at: int | None) -> None:
        self.directory = Path(run_dir) / CSV_DIR
        self.path = self.directory / _METRICS
        self.directory.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self.directory / "hparams.json", hyperparameters(config))
        rows: list[dict[str, Any]] = read_csv_metrics(self.path) if resumed_at is not None else []
        rows = [r for r in rows if r.get("step", "").isdigit() and int(r["step"]) <= (resumed_at or 0)]
        self.header = ["step", *dict.fromkeys(k for r in rows for k in r if k != "step")]
        atomic_write_bytes(self.path, _render(self.header, rows))
        self._handle: IO[str] | None = None

    def log(self, record: Mapping[str, Any]) -> None:
        row: dict[str, Any] = {"step": int(record.get("step", 0)), **record_scalars(record)}
        if any(key not in self.header for key in row):
            self._widen([key for key in row if key not in self.header])
        if self._handle is None:
            self._handle = open(self.path, "a", newline="", encoding="utf-8")
        csv.DictWriter(self._handle, fieldnames=self.header, lineterminator="\n").writerow(row)

    def _widen(self, new_keys: list[str]) -> None:
        self._close_handle()
        rows = read_csv_metrics(self.path)
        self.header = [*self.header, *new_keys]
        atomic_write_bytes(self.path, _render(self.header, rows))

    def _close_handle(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def close(self, status: str) -> None:
        self._close_handle()
