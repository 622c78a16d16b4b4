"""A small generated corpus in the layouts the ``text`` dataset reads, for the conformance suite.

:func:`write_text_sample` (``DatasetSpec.sample``) writes into an empty directory three
``.txt`` documents and one ``.jsonl`` file of two records, so ``openzoo conformance``
checks the directory walk, both file formats and the document-level split without the
user's corpus. The sentences are generated here.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

__all__ = ["write_text_sample"]

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
