"""The generated corpus the conformance suite checks the ``text`` dataset on, and the broken ones it must refuse."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from openzoo import BadInputError
from openzoo_gpt.loaders import text
from openzoo_gpt.plugin import openzoo_datasets
from openzoo_gpt.samples import write_malformed_text_samples, write_text_sample

_FIELD_CASE = "a record without the field named by -o field"


def test_the_sample_corpus_mixes_txt_and_jsonl_documents_and_holds_whole_documents_out(tmp_path):
    options = write_text_sample(tmp_path)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".jsonl", ".txt", ".txt", ".txt"]
    source = text(**options)
    assert all(len(source.load(split)) > 0 for split in source.splits())


def _case_names() -> list[str]:
    with tempfile.TemporaryDirectory() as directory:
        return list(write_malformed_text_samples(Path(directory)))


def test_the_text_dataset_declares_its_malformed_samples():
    (spec,) = (spec for spec in openzoo_datasets() if spec.name == "text")
    assert spec.malformed_samples == "openzoo_gpt.samples:write_malformed_text_samples"


@pytest.mark.parametrize("case", _case_names())
def test_each_malformed_sample_is_refused_with_its_words(tmp_path, case):
    options, words = write_malformed_text_samples(tmp_path)[case]
    with pytest.raises(BadInputError) as refused:
        source = text(**options)
        for split in source.splits():
            len(source.load(split))
    assert words in str(refused.value)


def test_the_field_case_reads_well_with_the_default_field_so_only_the_option_refuses_it(tmp_path):
    options, words = write_malformed_text_samples(tmp_path)[_FIELD_CASE]
    assert options["field"] != "text" and repr(options["field"]) in words
    source = text(**{key: value for key, value in options.items() if key != "field"})
    assert len(source.load("train")) > 0
    assert all(len(source.load(split)) > 0 for split in source.splits())


def _contents(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_the_malformed_samples_are_the_same_bytes_on_every_call(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    cases_first = write_malformed_text_samples(first)
    cases_second = write_malformed_text_samples(second)
    assert _contents(first) == _contents(second)
    assert _contents(first)
    assert {name: words for name, (_, words) in cases_first.items()} == {
        name: words for name, (_, words) in cases_second.items()
    }
