"""The csv and jsonl datasets: the user's labelled texts, with errors that name file and line."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from openzoo import BadInputError

from openzoo_bert.text_files import load_csv, load_jsonl


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return str(path)


def csv_rows(count: int, labels=("neg", "pos")) -> str:
    rows = [f'"text number {i}, with a comma",{labels[i % len(labels)]}' for i in range(count)]
    return "text,label\n" + "\n".join(rows) + "\n"


def all_examples(source):
    return [example for split in source.splits() for example in source.load(split)]


def test_csv_with_string_labels_gives_sorted_label_names_and_indices(tmp_path):
    source = load_csv(write(tmp_path / "d.csv", csv_rows(30)))
    assert source.info["labels"] == ["neg", "pos"]
    assert source.splits() == ("train", "validation", "test")
    examples = all_examples(source)
    assert len(examples) == 30
    assert {example["label"] for example in examples} == {0, 1}
    assert all(example["text"].startswith("text number") for example in examples)


def test_integer_labels_are_ordered_numerically(tmp_path):
    rows = "".join(f"review {i},{stars}\n" for i, stars in enumerate([1, 2, 10] * 10))
    source = load_csv(write(tmp_path / "d.csv", "text,label\n" + rows))
    assert source.info["labels"] == ["1", "2", "10"]


def test_declared_labels_fix_the_order_and_integer_labels_index_them(tmp_path):
    lines = [json.dumps({"text": f"t{i}", "label": [0, "pos"][i % 2]}) for i in range(20)]
    source = load_jsonl(write(tmp_path / "d.jsonl", "\n".join(lines)), labels="neg,pos")
    assert source.info["labels"] == ["neg", "pos"]
    counts = Counter(example["label"] for example in all_examples(source))
    assert counts == {0: 10, 1: 10}


def test_seeded_split_is_stratified_disjoint_and_repeatable(tmp_path):
    path = write(tmp_path / "d.csv", csv_rows(200, labels=("a", "b", "c", "d")))
    first = load_csv(path, seed=5, validation=0.1, test=0.2)
    again = load_csv(path, seed=5, validation=0.1, test=0.2)
    other = load_csv(path, seed=6, validation=0.1, test=0.2)
    for split in ("train", "validation", "test"):
        assert first.load(split) == again.load(split)
    assert first.load("test") != other.load("test")
    assert Counter(e["label"] for e in first.load("test")) == {0: 10, 1: 10, 2: 10, 3: 10}
    assert Counter(e["label"] for e in first.load("validation")) == {0: 5, 1: 5, 2: 5, 3: 5}
    texts = [{e["text"] for e in first.load(split)} for split in ("train", "validation", "test")]
    assert not (texts[0] & texts[1] or texts[0] & texts[2] or texts[1] & texts[2])


def test_split_column_assigns_rows_to_the_named_splits(tmp_path):
    text = "text;label;part\ngood;pos;train\nbad;neg;train\nfine;pos;dev\nawful;neg;test\n"
    source = load_csv(write(tmp_path / "d.csv", text), delimiter=";", split_field="part")
    assert [e["text"] for e in source.load("train")] == ["good", "bad"]
    assert [e["text"] for e in source.load("validation")] == ["fine"]
    assert [e["text"] for e in source.load("test")] == ["awful"]


def test_tsv_files_are_tab_separated_by_default_and_a_byte_order_mark_is_ignored(tmp_path):
    (tmp_path / "d.tsv").write_bytes("\ufefftext\tlabel\ngood, really\tpos\nbad\tneg\n".encode())
    source = load_csv(str(tmp_path / "d.tsv"), validation=0.0, test=0.0)
    assert sorted(e["text"] for e in source.load("train")) == ["bad", "good, really"]


def test_repeated_texts_are_dropped_before_a_seeded_split(tmp_path):
    path = write(tmp_path / "d.csv", "text,label\nsame,pos\nother,neg\nsame,pos\nsame,neg\n")
    source = load_csv(path, validation=0.0, test=0.0)
    assert [(e["text"], e["label"]) for e in source.load("train")] == [("same", 1), ("other", 0)]


def test_custom_field_names_are_read(tmp_path):
    lines = [json.dumps({"body": f"t{i}", "y": i % 2}) for i in range(10)]
    source = load_jsonl(write(tmp_path / "d.jsonl", "\n\n".join(lines)), text_field="body", label_field="y")
    assert source.info["labels"] == ["0", "1"]
    assert len(all_examples(source)) == 10


# -- bad input: every error names the file and, for a row, its line ------------------------------

CSV_CASES = [
    pytest.param(
        "review,label\ngood,pos\n", {}, r"d\.csv, line 1: no column 'text'.*-o text_field", id="missing-column"
    ),
    pytest.param("text,label\ngood,pos\n   ,neg\n", {}, r"d\.csv, line 3: empty text", id="empty-text"),
    pytest.param("text,label\ngood,pos\nbad,\n", {}, r"d\.csv, line 3: missing label", id="missing-label"),
    pytest.param("text,label\ngood,pos\nbad\n", {}, r"d\.csv, line 3: missing label", id="short-row"),
    pytest.param(
        "text,label\ngood,pos\nmeh,neutral\n",
        {"labels": "neg,pos"},
        r"d\.csv, line 3: unknown label 'neutral'",
        id="unknown-label",
    ),
    pytest.param(
        "text,label\ngood,pos\nbad,3\n", {"labels": "neg,pos"}, r"line 3: unknown label '3'", id="index-out-of-range"
    ),
    pytest.param("", {}, r"d\.csv: the file is empty", id="empty-file"),
    pytest.param("text,label\n", {}, r"d\.csv: the file has a header but no rows", id="header-only"),
    pytest.param("text,label\na,b,c\n", {}, r"line 2: 3 fields but the header has 2", id="extra-fields"),
    pytest.param("text,label\ngood,pos\nfine,pos\n", {}, r"found only the label 'pos'", id="one-label"),
    pytest.param(
        "text,label,s\ngood,pos,train\nbad,neg,holdout\n",
        {"split_field": "s"},
        r"line 3: unknown split 'holdout'",
        id="unknown-split",
    ),
    pytest.param(
        "text,label,s\ngood,pos,train\nbad,neg,test\n",
        {"split_field": "s"},
        r"line 3: label 'neg' never appears in the train split",
        id="label-only-in-test",
    ),
]


@pytest.mark.parametrize(("content", "options", "message"), CSV_CASES)
def test_bad_csv_raises_bad_input_naming_file_and_line(tmp_path, content, options, message):
    path = write(tmp_path / "d.csv", content)
    with pytest.raises(BadInputError, match=message):
        load_csv(path, **options)


JSONL_CASES = [
    pytest.param(
        '{"text": "good", "label": "pos"}\n{"text": "bad", "label": "neg"\n',
        r"line 2: malformed JSON",
        id="malformed-json",
    ),
    pytest.param(
        '{"text": "good", "label": "pos"}\n["bad", "neg"]\n', r"line 2: expected a JSON object", id="not-an-object"
    ),
    pytest.param(
        '{"text": "good", "label": "pos"}\n{"review": "bad", "label": "neg"}\n',
        r"line 2: no field 'text'",
        id="missing-field",
    ),
    pytest.param(
        '{"text": "good", "label": "pos"}\n{"text": "", "label": "neg"}\n', r"line 2: empty text", id="empty-text"
    ),
    pytest.param('{"text": "good", "label": "pos"}\n{"text": "bad"}\n', r"line 2: missing label", id="missing-label"),
    pytest.param(
        '{"text": "good", "label": "pos"}\n{"text": "bad", "label": null}\n', r"line 2: missing label", id="null-label"
    ),
    pytest.param(
        '{"text": "good", "label": "pos"}\n{"text": "bad", "label": 0.5}\n',
        r"line 2: label 0\.5 must be a string or an integer",
        id="float-label",
    ),
    pytest.param('{"text": 7, "label": "pos"}\n', r"line 1: field 'text' must be a string", id="text-not-a-string"),
    pytest.param("\n  \n", r"d\.jsonl: the file is empty", id="empty-file"),
]


@pytest.mark.parametrize(("content", "message"), JSONL_CASES)
def test_bad_jsonl_raises_bad_input_naming_file_and_line(tmp_path, content, message):
    path = write(tmp_path / "d.jsonl", content)
    with pytest.raises(BadInputError, match=message):
        load_jsonl(path)


def test_unknown_label_in_jsonl_names_the_line(tmp_path):
    path = write(tmp_path / "d.jsonl", '{"text": "a", "label": "pos"}\n{"text": "b", "label": "maybe"}\n')
    with pytest.raises(BadInputError, match=r"d\.jsonl, line 2: unknown label 'maybe'"):
        load_jsonl(path, labels="neg,pos")


def test_invalid_utf8_names_the_line(tmp_path):
    (tmp_path / "d.csv").write_bytes(b"text,label\ngood,pos\nbad \xff,neg\n")
    with pytest.raises(BadInputError, match=r"d\.csv, line 3: not valid UTF-8"):
        load_csv(str(tmp_path / "d.csv"))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        pytest.param(None, "needs the file to read: add -o path=FILE", id="no-path"),
        pytest.param("does/not/exist.csv", "no such file", id="missing-file"),
    ],
)
def test_missing_file_raises_bad_input(path, message):
    with pytest.raises(BadInputError, match=message):
        load_csv(path)


def test_fractions_that_leave_nothing_to_train_on_are_refused(tmp_path):
    path = write(tmp_path / "d.csv", csv_rows(10))
    with pytest.raises(BadInputError, match=r"validation=0\.7"):
        load_csv(path, validation=0.7)


def test_sources_pickle_to_the_same_examples(tmp_path):
    import pickle

    source = load_csv(write(tmp_path / "d.csv", csv_rows(20)))
    copy = pickle.loads(pickle.dumps(source))
    assert copy.info == source.info
    for split in source.splits():
        assert copy.load(split) == source.load(split)
