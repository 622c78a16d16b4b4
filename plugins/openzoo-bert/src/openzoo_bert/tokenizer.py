"""Tokenizers: a WordPiece tokenizer trained on the training split, or a pretrained one.

The trained tokenizer is the original BERT pipeline (BERT normaliser and
pre-tokenizer, WordPiece with ``##`` continuations, ``[CLS] text [SEP]``)
learnt with the ``tokenizers`` library, then wrapped as transformers'
``BertTokenizer`` (the fast, tokenizers-backed class in transformers 5) so it
saves with ``save_pretrained`` and loads with ``AutoTokenizer``.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from openzoo import BadInputError
from tokenizers import Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import WordPiece
from tokenizers.trainers import WordPieceTrainer
from transformers import AutoTokenizer, BertTokenizer, PreTrainedTokenizerBase

__all__ = ["SPECIAL_TOKENS", "load_pretrained_tokenizer", "train_wordpiece"]

#: The special tokens, in the order of their ids (``[PAD]`` is 0, as in BERT).
SPECIAL_TOKENS: tuple[str, ...] = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
#: Fewest vocabulary entries worth training: the special tokens plus a small alphabet.
MIN_VOCAB_SIZE = 50


def train_wordpiece(texts: Iterable[str], *, vocab_size: int, lowercase: bool, max_length: int) -> BertTokenizer:
    """Learn a WordPiece vocabulary from ``texts`` and return it as a transformers tokenizer.

    :param texts: the training texts (the training split only, so evaluation stays unseen).
    :param vocab_size: the most entries of the vocabulary, special tokens included; a small
        corpus may give fewer.
    :param lowercase: lower-case and strip accents first (BERT "uncased").
    :param max_length: ``model_max_length`` of the tokenizer: longer inputs are truncated.
    """
    if not isinstance(vocab_size, int) or vocab_size < MIN_VOCAB_SIZE:
        raise BadInputError(f"option vocab_size={vocab_size!r} must be an integer of at least {MIN_VOCAB_SIZE}")
    texts = list(texts)
    if not texts:
        raise BadInputError("cannot train a tokenizer: the training split has no texts")
    backend = Tokenizer(WordPiece(unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=lowercase, lowercase=lowercase
    )
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    # The trainer numbers the characters it meets in hash-map order, which breaks ties between
    # equally frequent merges differently in every process. Declaring every character (alone and
    # as a "##" continuation) up front, in code-point order, fixes their ids, so the same texts
    # always give the same vocabulary.
    # A vocabulary too small for every character (alone and as a continuation) keeps the most
    # frequent ones (ties by code point); the others become [UNK].
    counts = Counter(char for text in texts for char in backend.normalizer.normalize_str(text) if not char.isspace())
    room = (vocab_size - len(SPECIAL_TOKENS)) // 2
    alphabet = sorted(sorted(counts, key=lambda char: (-counts[char], char))[:room])
    initial = [*SPECIAL_TOKENS, *alphabet, *(f"##{char}" for char in alphabet)]
    trainer = WordPieceTrainer(
        vocab_size=vocab_size,
        special_tokens=initial,
        continuing_subword_prefix="##",
        show_progress=False,
        limit_alphabet=len(alphabet),
        initial_alphabet=alphabet,
    )
    backend.train_from_iterator(texts, trainer=trainer, length=len(texts))
    vocab = backend.get_vocab()
    return BertTokenizer(
        vocab=vocab,
        do_lower_case=lowercase,
        strip_accents=lowercase,
        model_max_length=max_length,
    )


#: Files of which a saved WordPiece tokenizer has at least one.
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt")


def open_tokenizer(source: str | os.PathLike[str]) -> PreTrainedTokenizerBase:
    """Return ``AutoTokenizer.from_pretrained(source)``, refusing a tokenizer without a vocabulary.

    transformers 5 builds a tokenizer of only the special tokens when a directory has no
    ``tokenizer.json`` and no ``vocab.txt``; it would read every word as ``[UNK]`` and the model
    would answer without an error. A local directory without either file, or any tokenizer with
    nothing but special tokens, is refused with :class:`~openzoo.BadInputError`.
    """
    local = Path(source)
    if local.is_dir() and not any((local / name).is_file() for name in TOKENIZER_FILES):
        raise BadInputError(
            f"cannot load a tokenizer from {str(source)!r}: it has no {' or '.join(TOKENIZER_FILES)}; "
            "save the tokenizer next to the weights (tokenizer.save_pretrained(directory))"
        )
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError) as exc:
        raise BadInputError(f"cannot load a tokenizer from {str(source)!r}: {exc}") from None
    if len(tokenizer) <= len(tokenizer.all_special_tokens):
        raise BadInputError(
            f"cannot load a tokenizer from {str(source)!r}: it has no vocabulary beyond its "
            f"{len(tokenizer)} special tokens (a damaged {' or '.join(TOKENIZER_FILES)})"
        )
    return tokenizer


def load_pretrained_tokenizer(source: str, *, max_length: int | None, max_positions: int) -> PreTrainedTokenizerBase:
    """Load the tokenizer of a pretrained checkpoint (a local directory or a hub id).

    :param source: what ``AutoTokenizer.from_pretrained`` accepts.
    :param max_length: truncation length; ``None`` keeps the checkpoint's, capped at ``max_positions``.
    :param max_positions: the encoder's ``max_position_embeddings``.
    """
    try:
        tokenizer = open_tokenizer(source)
    except BadInputError as exc:
        raise BadInputError(
            f"{exc}. --from-pretrained needs a directory (or hub id) with tokenizer files (tokenizer.json or "
            "vocab.txt) next to config.json"
        ) from None
    limit = max_length if max_length is not None else tokenizer.model_max_length
    tokenizer.model_max_length = min(int(limit), max_positions)
    return tokenizer
