"""Read a user's text corpus: ``.txt`` files and ``.jsonl`` records, as documents.

``path`` is a file, a directory (searched recursively for ``*.txt`` and ``*.jsonl``)
or a glob pattern. A ``.txt`` file is one document; each record of a ``.jsonl`` file
is one document, its text in ``field``. Text must be UTF-8 (a byte-order mark is
dropped); line ends are normalised to ``\\n``. Documents with no text are skipped.
"""

from __future__ import annotations

import glob
import json
from dataclasses import dataclass
from pathlib import Path
from typing import final

from openzoo import BadInputError

__all__ = ["Document", "find_files", "read_documents"]

_SUFFIXES = (".txt", ".jsonl")


@final
@dataclass(frozen=True, slots=True)
class Document:
    """One document of a corpus."""

    #: Where it came from: a file path, or ``path:line`` for a ``.jsonl`` record.
    name: str
    #: Its text, with ``\n`` line ends.
    text: str


def find_files(path: str) -> list[Path]:
    """Return the files ``path`` names, sorted.

    :raises BadInputError: when ``path`` is unset or names no file.
    """
    if not path:
        raise BadInputError("the text dataset needs a path: -o path=FILE, a directory, or a glob like 'data/*.txt'")
    target = Path(path).expanduser()
    if target.is_file():
        return [target]
    if target.is_dir():
        files = sorted(p for p in target.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES)
        if not files:
            raise BadInputError(f"{path}: the directory holds no .txt or .jsonl files")
        return files
    if glob.has_magic(path):
        files = sorted(Path(p) for p in glob.glob(str(target), recursive=True) if Path(p).is_file())
        if not files:
            raise BadInputError(f"{path}: the pattern matches no files")
        return files
    raise BadInputError(f"{path}: no such file or directory")


def _decode(path: Path, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadInputError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}, line {line}); "
            f"convert the file to UTF-8, for example: iconv -f latin1 -t utf-8 '{path}' > fixed.txt"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_jsonl(path: Path, text: str, field: str) -> list[Document]:
    documents = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInputError(
                f"{path}:{number}: not a JSON record ({exc.msg}); write one JSON object per line"
            ) from None
        if not isinstance(record, dict):
            raise BadInputError(f"{path}:{number}: a record must be a JSON object with a {field!r} field")
        if field not in record:
            fields = ", ".join(sorted(map(str, record))) or "none"
            raise BadInputError(f"{path}:{number}: no field {field!r} (fields: {fields}); set -o field=NAME")
        value = record[field]
        if not isinstance(value, str):
            raise BadInputError(f"{path}:{number}: field {field!r} must hold a string; got {type(value).__name__}")
        documents.append(Document(f"{path}:{number}", value.replace("\r\n", "\n")))
    return documents


def read_documents(path: str, field: str = "text") -> list[Document]:
    """Return the non-empty documents of the corpus at ``path`` (see the module docstring).

    :raises BadInputError: for a missing path, a file that is not UTF-8 (named with the
        offset of the first bad byte), a bad ``.jsonl`` record, or a corpus with no text.
    """
    files = find_files(path)
    documents: list[Document] = []
    for file in files:
        text = _decode(file, file.read_bytes())
        if file.suffix.lower() == ".jsonl":
            documents.extend(_read_jsonl(file, text, field))
        else:
            documents.append(Document(str(file), text))
    documents = [doc for doc in documents if doc.text.strip()]
    if not documents:
        raise BadInputError(
            f"{path}: the corpus is empty ({len(files)} file(s), no text in any of them); give it some text"
        )
    return documents
