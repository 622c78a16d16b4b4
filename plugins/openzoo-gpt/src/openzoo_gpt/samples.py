"""A small generated corpus in the layouts the ``text`` dataset reads, for the conformance suite.

:func:`write_text_sample` (``DatasetSpec.sample``) writes into an empty directory three
``.txt`` documents and one ``.jsonl`` file of two records, so ``openzoo conformance``
checks the directory walk, both file formats and the document-level split without the
user's corpus. The sentences are generated here.

:func:`write_malformed_text_samples` (``DatasetSpec.malformed_samples``) writes broken
files the loader must refuse, each with words its ``BadInputError`` must contain: among
them a ``.jsonl`` file that reads well with the default ``field`` but has no field
``body``, read with ``-o field=body``, so a loader that ignores ``field`` is caught.

:func:`write_text_variants` (``DatasetSpec.sample_variants``) writes the layouts the one sample
does not hold, each of which must load: one document (its tail held out, cut at line ends), a
``**`` glob reaching into subfolders, three documents with fractions too large to hold out whole
ones, and ``.jsonl`` records whose text is in another field.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

__all__ = ["write_malformed_text_samples", "write_text_sample", "write_text_variants"]

_NAMES = ("the miller", "a heron", "the old clock", "my neighbour", "the ferry", "a lantern")
_VERBS = ("waits by", "sings to", "counts", "forgets", "follows", "mends")
_THINGS = ("the river", "the winter stars", "a broken gate", "the harbour lights", "seven letters", "the rain")


def _paragraph(rng: random.Random, sentences: int = 12) -> str:
    return " ".join(
        f"{rng.choice(_NAMES).capitalize()} {rng.choice(_VERBS)} {rng.choice(_THINGS)}." for _ in range(sentences)
    )


def write_text_sample(directory: Path) -> dict[str, str]:
    """Write ``doc-1.txt`` .. ``doc-3.txt`` and ``records.jsonl`` into ``directory``; return ``{"path": directory}``."""
    root = Path(directory)
    rng = random.Random(0)
    for index in range(1, 4):
        (root / f"doc-{index}.txt").write_text("\n\n".join(_paragraph(rng) for _ in range(3)) + "\n", encoding="utf-8")
    records = [{"text": _paragraph(rng, 20)} for _ in range(2)]
    (root / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return {"path": str(root)}


def _jsonl(path: Path, lines: list[str]) -> str:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def write_malformed_text_samples(directory: Path) -> dict[str, tuple[dict[str, str], str]]:
    """Write broken corpora into ``directory``; return ``{case: (loader options, words of the error)}``.

    The cases: a record without the field ``-o field`` names, a line that is not JSON, a
    record that is not a JSON object, a field that is not a string, a ``.txt`` file that is
    not UTF-8, a directory with no ``.txt`` or ``.jsonl`` file, a corpus with no text, and held-out
    fractions that leave no training text.
    """
    root = Path(directory)
    rng = random.Random(1)
    records = [json.dumps({"title": f"part {index}", "text": _paragraph(rng, 3)}) for index in range(1, 4)]
    no_body = _jsonl(root / "no-body.jsonl", records)
    not_json = _jsonl(root / "not-json.jsonl", [*records[:2], '{"text": "cut off', records[2]])
    not_object = _jsonl(root / "not-object.jsonl", [records[0], json.dumps([_paragraph(rng, 2)])])
    not_string = _jsonl(root / "not-string.jsonl", [*records[:2], json.dumps({"text": 3})])
    latin1 = root / "latin1.txt"
    latin1.write_bytes(b"The first line is plain ASCII.\n\xff\xfe\xfa caf\xe9 cr\xe8me br\xfbl\xe9e\n")
    no_text_files = root / "no-text-files"
    no_text_files.mkdir()
    (no_text_files / "notes.csv").write_text("text\n" + _paragraph(rng, 2) + "\n", encoding="utf-8")
    blank = root / "blank"
    blank.mkdir()
    (blank / "empty.txt").write_text("", encoding="utf-8")
    (blank / "spaces.txt").write_text("  \n\n\t\n", encoding="utf-8")
    _jsonl(blank / "blank-records.jsonl", [json.dumps({"text": ""}), json.dumps({"text": " \n "})])
    short = root / "short.txt"
    short.write_text("A line of verse, and then another line.\nThe end of it.\n", encoding="utf-8")
    return {
        "a text too short to hold out a test part": (
            {"path": str(short), "validation_fraction": 0.5, "test_fraction": 0.01},
            "short.txt: 55 characters are too few to hold out a validation and a test part",
        ),
        "a text too short to hold out a validation part": (
            {"path": str(short), "validation_fraction": 0.01, "test_fraction": 0.5},
            "short.txt: 55 characters are too few to hold out a validation and a test part",
        ),
        "a record without the field named by -o field": (
            {"path": no_body, "field": "body"},
            "no-body.jsonl:1: no field 'body' (fields: text, title)",
        ),
        "a line that is not JSON": ({"path": not_json}, "not-json.jsonl:3: not a JSON record"),
        "a record that is not a JSON object": (
            {"path": not_object},
            "not-object.jsonl:2: a record must be a JSON object with a 'text' field",
        ),
        "a record whose field is not a string": (
            {"path": not_string},
            "not-string.jsonl:3: field 'text' must hold a string; got int",
        ),
        "a file that is not UTF-8": (
            {"path": str(latin1)},
            "latin1.txt: not UTF-8 text (byte 0xff at offset 31, line 2)",
        ),
        "a directory with no .txt or .jsonl file": (
            {"path": str(no_text_files)},
            "the directory holds no .txt or .jsonl files",
        ),
        "a corpus with no text": ({"path": str(blank)}, "the corpus is empty (3 file(s), no text in any of them)"),
        "fractions that add up to 1": (
            {"path": str(short), "validation_fraction": 0.5, "test_fraction": 0.5},
            "validation_fraction + test_fraction = 1 leaves no training text",
        ),
    }


def write_text_variants(directory: Path) -> dict[str, dict[str, str]]:
    """Write well-formed corpora in other layouts into ``directory``; return ``{variant: loader options}``."""
    root = Path(directory)
    rng = random.Random(2)
    single = root / "single.txt"
    single.write_text("\n".join(_paragraph(rng, 2) for _ in range(40)) + "\n", encoding="utf-8")
    nested = root / "nested"
    for index, folder in enumerate(("", "act-1", "act-1/scene-2", "act-2")):
        (nested / folder).mkdir(parents=True, exist_ok=True)
        (nested / folder / f"part-{index}.txt").write_text(_paragraph(rng, 30) + "\n", encoding="utf-8")
    (nested / "act-2" / "notes.md").write_text("not matched by the glob\n", encoding="utf-8")
    three = root / "three"
    three.mkdir()
    for index in range(3):
        (three / f"doc-{index}.txt").write_text(
            "\n".join(_paragraph(rng, 3) for _ in range(10)) + "\n", encoding="utf-8"
        )
    titled = root / "titled.jsonl"
    records = [{"title": f"part {index}", "body": _paragraph(rng, 20)} for index in range(3)]
    titled.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    one_line = root / "one-line.txt"
    one_line.write_text(" ".join(_paragraph(rng, 2) for _ in range(40)), encoding="utf-8")
    return {
        "one document: its tail held out, cut at line ends": {"path": str(single)},
        "a ** glob into subfolders": {"path": str(nested / "**" / "*.txt")},
        "three documents, fractions too large to hold out whole ones": {
            "path": str(three),
            "validation_fraction": 0.5,
            "test_fraction": 0.3,
        },
        "records whose text is in another field, -o field=body": {"path": str(titled), "field": "body"},
        "one document on one line: no line end to cut its tail or its blocks at": {"path": str(one_line)},
    }
