"""The generated corpus the conformance suite checks the ``text`` dataset on."""

from __future__ import annotations

from openzoo_gpt.loaders import text
from openzoo_gpt.samples import write_text_sample


def test_the_sample_corpus_mixes_txt_and_jsonl_documents_and_holds_whole_documents_out(tmp_path):
    options = write_text_sample(tmp_path)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".jsonl", ".txt", ".txt", ".txt"]
    source = text(**options)
    assert all(len(source.load(split)) > 0 for split in source.splits())
