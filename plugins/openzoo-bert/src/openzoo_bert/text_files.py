"""The ``csv`` and ``jsonl`` datasets: the user's labelled texts, read from one file.

Both loaders read every row, check it, and stop at the first problem with a
:class:`~openzoo.BadInputError` that names the file and the line: a missing
column or field, an empty text, a missing or unknown label, malformed JSON, an
empty file. Splits come from a column (``split_field``) or from a seeded,
stratified split (see :mod:`openzoo_bert.splits`); before a seeded split, a row
whose text repeats an earlier row's is dropped, so no text lands in two splits.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, final

from openzoo import BadInputError, SplitSource

from openzoo_bert.labels import RawLabel, parse_declared_labels, resolve_labels
from openzoo_bert.splits import SPLITS, check_fractions, stratified_split

__all__ = ["load_csv", "load_jsonl"]

#: Values of a split column and the split each one means.
SPLIT_NAMES: dict[str, str] = {
    "train": "train",
    "training": "train",
    "validation": "validation",
    "valid": "validation",
    "val": "validation",
    "dev": "validation",
    "test": "test",
}


@final
@dataclass(frozen=True, slots=True)
class Row:
    """One labelled text read from a file."""

    #: The text to classify (never empty).
    text: str
    #: The label as read, with its location.
    label: RawLabel
    #: The split named by the split column, or ``None`` for a seeded split.
    split: str | None


def load_csv(
    path: str | None = None,
    text_field: str = "text",
    label_field: str = "label",
    labels: str | None = None,
    split_field: str | None = None,
    delimiter: str | None = None,
    seed: int = 0,
    validation: float = 0.1,
    test: float = 0.1,
) -> SplitSource:
    """Read labelled texts from a CSV (or TSV) file with a header row.

    :param path: the file; ``.tsv`` files default to tab-separated.
    :param text_field: column holding the text.
    :param label_field: column holding the label (a name or an integer).
    :param labels: comma-separated label names fixing their order (see :mod:`openzoo_bert.labels`).
    :param split_field: column naming each row's split (train, validation, test) instead of a seeded split.
    :param delimiter: one-character field delimiter; default tab for ``.tsv``, else comma.
    :param seed: seed of the stratified split.
    :param validation: fraction of each class held out for validation.
    :param test: fraction of each class held out for testing.
    """
    file = _existing_file(path, "csv")
    if delimiter is None:
        delimiter = "\t" if file.suffix.lower() == ".tsv" else ","
    delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
    if len(delimiter) != 1:
        raise BadInputError(f"option delimiter={delimiter!r} must be one character, for example ',' or '\\t'")
    rows = list(_csv_rows(file, text_field, label_field, split_field, delimiter))
    return _build_source(rows, file, labels, split_field, seed, validation, test)


def load_jsonl(
    path: str | None = None,
    text_field: str = "text",
    label_field: str = "label",
    labels: str | None = None,
    split_field: str | None = None,
    seed: int = 0,
    validation: float = 0.1,
    test: float = 0.1,
) -> SplitSource:
    """Read labelled texts from a JSON Lines file: one object per line, blank lines skipped.

    Parameters as for :func:`load_csv`; labels may be JSON strings or integers.
    """
    file = _existing_file(path, "jsonl")
    rows = list(_jsonl_rows(file, text_field, label_field, split_field))
    return _build_source(rows, file, labels, split_field, seed, validation, test)


def _existing_file(path: str | os.PathLike[str] | None, dataset: str) -> Path:
    if path is None or not str(path).strip():
        raise BadInputError(f"dataset {dataset!r} needs the file to read: add -o path=FILE")
    file = Path(path).expanduser()
    if not file.exists():
        raise BadInputError(f"{file}: no such file; check -o path=...")
    if not file.is_file():
        raise BadInputError(f"{file}: not a file; -o path=... must name a {dataset} file")
    return file


def _read_text(file: Path) -> str:
    data = file.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadInputError(f"{file}, line {line}: not valid UTF-8 ({exc.reason}); save the file as UTF-8") from None


def _csv_rows(file: Path, text_field: str, label_field: str, split_field: str | None, delimiter: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(_read_text(file), newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise BadInputError(f"{file}: the file is empty; it needs a header row and at least one row") from None
    except csv.Error as exc:
        raise BadInputError(f"{file}, line 1: {exc}") from None
    columns = [name.strip() for name in header]
    wanted = {"text_field": text_field, "label_field": label_field}
    if split_field is not None:
        wanted["split_field"] = split_field
    for option, column in wanted.items():
        if column not in columns:
            raise BadInputError(
                f"{file}, line 1: no column {column!r}; the columns are {', '.join(map(repr, columns))}. "
                f"Name the right one with -o {option}=COLUMN (or check the delimiter)"
            )
    position = {name: columns.index(name) for name in wanted.values()}
    count = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise BadInputError(f"{file}, line {reader.line_num}: {exc}") from None
        if not cells or all(not cell.strip() for cell in cells):
            continue
        where = f"{file}, line {reader.line_num}"
        if len(cells) > len(columns):
            raise BadInputError(
                f"{where}: {len(cells)} fields but the header has {len(columns)}; quote texts that contain "
                f"the delimiter {delimiter!r}"
            )

        def cell(column: str, cells: list[str] = cells) -> str | None:
            index = position[column]
            return cells[index] if index < len(cells) else None

        count += 1
        yield _make_row(where, cell(text_field), cell(label_field), cell(split_field) if split_field else None)
    if count == 0:
        raise BadInputError(f"{file}: the file has a header but no rows of data")


def _jsonl_rows(file: Path, text_field: str, label_field: str, split_field: str | None) -> Iterator[Row]:
    count = 0
    for number, line in enumerate(_read_text(file).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{file}, line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInputError(f"{where}: malformed JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(record, dict):
            raise BadInputError(f'{where}: expected a JSON object such as {{"text": ..., "label": ...}}')
        # A missing label is reported as such below; a missing text or split field names the fields.
        for option, field in (("text_field", text_field), ("split_field", split_field)):
            if field is not None and field not in record:
                raise BadInputError(
                    f"{where}: no field {field!r}; the fields are {', '.join(map(repr, record))}. "
                    f"Name the right one with -o {option}=FIELD"
                )
        text = record[text_field]
        if not isinstance(text, str):
            raise BadInputError(f"{where}: field {text_field!r} must be a string, got {type(text).__name__}")
        label = record.get(label_field)
        if isinstance(label, bool) or (label is not None and not isinstance(label, (str, int))):
            raise BadInputError(f"{where}: label {label!r} must be a string or an integer, got {type(label).__name__}")
        split = record[split_field] if split_field else None
        if split is not None and not isinstance(split, str):
            raise BadInputError(f"{where}: field {split_field!r} must be a string (train, validation or test)")
        count += 1
        yield _make_row(where, text, label, split)
    if count == 0:
        raise BadInputError(f"{file}: the file is empty; it needs one JSON object per line")


def _make_row(where: str, text: str | None, label: str | int | None, split: str | None) -> Row:
    if text is None or not text.strip():
        raise BadInputError(f"{where}: empty text; every row needs a text to classify")
    if label is None or (isinstance(label, str) and not label.strip()):
        raise BadInputError(f"{where}: missing label; every row needs a label (a name or an integer)")
    if isinstance(label, str):
        label = label.strip()
    split_name = None
    if split is not None:
        split_name = SPLIT_NAMES.get(split.strip().lower())
        if split_name is None:
            raise BadInputError(f"{where}: unknown split {split!r}; use train, validation or test")
    return Row(text=text.strip(), label=RawLabel(label, where), split=split_name)


def _build_source(
    rows: list[Row],
    file: Path,
    labels: str | None,
    split_field: str | None,
    seed: int,
    validation: float,
    test: float,
) -> SplitSource:
    names, indices = resolve_labels([row.label for row in rows], parse_declared_labels(labels), source=str(file))
    examples: list[dict[str, Any]] = [{"text": row.text, "label": index} for row, index in zip(rows, indices)]
    if split_field is None:
        check_fractions(validation, test)
        seen: set[str] = set()
        unique = []
        for example in examples:
            if example["text"] not in seen:
                seen.add(example["text"])
                unique.append(example)
        splits = stratified_split(unique, seed=seed, validation=validation, test=test)
    else:
        splits = {name: [] for name in SPLITS}
        for row, example in zip(rows, examples):
            splits[row.split or "train"].append(example)
        if not splits["train"]:
            raise BadInputError(f"{file}: no row has split 'train' in column {split_field!r}; nothing to train on")
        seen = {example["label"] for example in splits["train"]}
        for row, example in zip(rows, examples):
            if example["label"] not in seen:
                raise BadInputError(
                    f"{row.label.where}: label {row.label.value!r} never appears in the train split; "
                    "add training rows with it or remove the row"
                )
    return SplitSource(splits, info={"labels": names})
