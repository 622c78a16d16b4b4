"""Split documents into train, validation and test text, and cut text into example blocks.

The split rule:

- **Three or more documents**: whole documents are held out. ``validation_fraction``
  and ``test_fraction`` of the documents (each rounded, at least one when the fraction
  is above zero, and at least one left for training) are chosen with a seeded shuffle;
  the training documents keep their order. Held-out text is never seen in training.
- **One or two documents**: each document is split contiguously: its head goes to
  training, then a validation stretch, then its tail to test, the cuts moved to the next
  line end where one is near. Random lines are never held out.

Blocks: each piece of text is cut into blocks of at most ``block_chars`` characters,
at line ends where possible (else at a space, else anywhere). The blocks of a text
join back to the text exactly.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from openzoo import BadInputError

__all__ = ["chunk_text", "split_documents"]


def _check_fractions(validation_fraction: float, test_fraction: float) -> None:
    for name, value in (("validation_fraction", validation_fraction), ("test_fraction", test_fraction)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
            raise BadInputError(f"dataset option {name}={value!r} must be a number in [0, 1)")
    if validation_fraction + test_fraction >= 1:
        raise BadInputError(
            f"validation_fraction + test_fraction = {validation_fraction + test_fraction:g} leaves no training text; "
            "keep their sum below 1"
        )


def _held_out_count(fraction: float, total: int) -> int:
    return 0 if fraction == 0 else max(1, round(fraction * total))


def _cut(text: str, position: int, limit: int) -> int:
    """Move ``position`` to just after the next line end before ``limit``, if there is one."""
    end = text.find("\n", position, limit)
    return end + 1 if end != -1 else position


def _tail_split(text: str, validation_fraction: float, test_fraction: float) -> tuple[str, str, str]:
    size = len(text)
    test_start = size - int(size * test_fraction) if test_fraction else size
    test_start = _cut(text, test_start, size - 1) if test_fraction else size
    validation_start = test_start - int(size * validation_fraction) if validation_fraction else test_start
    validation_start = _cut(text, validation_start, test_start - 1) if validation_fraction else test_start
    return text[:validation_start], text[validation_start:test_start], text[test_start:]


def split_documents(
    documents: Sequence[str],
    *,
    validation_fraction: float = 0.05,
    test_fraction: float = 0.05,
    seed: int = 0,
    names: Sequence[str] | None = None,
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Split ``documents`` by the rule in the module docstring.

    :param names: a name per document, reported for held-out whole documents.
    :returns: ``(texts, held_out)``: the texts of each split (``train``, ``validation``,
        ``test``), and the names of the documents held out whole (empty for tail splits).
    :raises BadInputError: for fractions out of range, or text too short to split.
    """
    _check_fractions(validation_fraction, test_fraction)
    names = list(names) if names is not None else [f"document {i}" for i in range(len(documents))]
    n_validation = _held_out_count(validation_fraction, len(documents))
    n_test = _held_out_count(test_fraction, len(documents))
    if len(documents) >= 3 and n_validation + n_test < len(documents):
        order = random.Random(seed).sample(range(len(documents)), n_validation + n_test)
        validation, test = set(order[:n_validation]), set(order[n_validation:])
        texts = {
            "train": [doc for i, doc in enumerate(documents) if i not in validation and i not in test],
            "validation": [documents[i] for i in sorted(validation)],
            "test": [documents[i] for i in sorted(test)],
        }
        held_out = {"validation": [names[i] for i in sorted(validation)], "test": [names[i] for i in sorted(test)]}
        return texts, held_out
    texts = {"train": [], "validation": [], "test": []}
    for name, doc in zip(names, documents):
        parts = _tail_split(doc, validation_fraction, test_fraction)
        wanted = (True, validation_fraction > 0, test_fraction > 0)
        if any(want and not part.strip() for want, part in zip(wanted, parts)):
            raise BadInputError(
                f"{name}: {len(doc)} characters are too few to hold out a validation and a test part; "
                "add text, add documents, or set validation_fraction/test_fraction to 0"
            )
        for split, part in zip(texts, parts):
            if part:
                texts[split].append(part)
    return texts, {"validation": [], "test": []}


def _block_end(text: str, start: int, block_chars: int) -> int:
    limit = start + block_chars
    if limit >= len(text):
        return len(text)
    for separator in ("\n", " "):
        end = text.rfind(separator, start + 1, limit)
        if end != -1:
            return end + 1
    return limit


def chunk_text(text: str, block_chars: int) -> list[str]:
    """Cut ``text`` into blocks of at most ``block_chars`` characters that join back to ``text``."""
    if isinstance(block_chars, bool) or not isinstance(block_chars, int) or block_chars < 1:
        raise BadInputError(f"dataset option block_chars={block_chars!r} must be a positive integer")
    blocks = []
    start = 0
    while start < len(text):
        end = _block_end(text, start, block_chars)
        blocks.append(text[start:end])
        start = end
    return blocks
