"""Byte-level BPE tokenizers trained on the user's text, wrapped for transformers.

:func:`train_tokenizer` trains a GPT-2 style byte-level BPE with the ``tokenizers``
library and wraps it as a :class:`transformers.PreTrainedTokenizerFast` whose
``save_pretrained`` output loads with ``AutoTokenizer``. One special token,
``<|endoftext|>``, serves as beginning, end and padding token (as in GPT-2), and the
post-processor puts it in front of every encoded text, so the first real token of a
text is predicted too and an empty prompt still has a token to start from.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerBase, PreTrainedTokenizerFast

from openzoo_gpt.configuration import MIN_VOCAB_SIZE

__all__ = ["END_OF_TEXT", "ensure_padding", "train_tokenizer"]

#: The one special token: beginning of text, end of text and padding.
END_OF_TEXT = "<|endoftext|>"


def train_tokenizer(
    texts: Iterable[str], *, vocab_size: int, context_length: int, min_frequency: int = 2
) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE on ``texts`` and return it as a transformers tokenizer.

    With no text at all the result has the 256 byte symbols and ``<|endoftext|>`` only,
    which still encodes any string. Training is deterministic for the same texts.

    :param vocab_size: the most tokens the vocabulary may hold (at least 257); a small
        corpus may give fewer.
    :param context_length: recorded as ``model_max_length``.
    :param min_frequency: a merge must occur this often to be learned.
    """
    if vocab_size < MIN_VOCAB_SIZE:
        raise ValueError(f"vocab_size must be at least {MIN_VOCAB_SIZE}, got {vocab_size}")
    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=[END_OF_TEXT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(texts, trainer)
    eot = backend.token_to_id(END_OF_TEXT)
    backend.post_processor = processors.Sequence(
        [
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(
                single=f"{END_OF_TEXT} $A",
                pair=f"{END_OF_TEXT} $A {END_OF_TEXT} $B",
                special_tokens=[(END_OF_TEXT, eot)],
            ),
        ]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token=END_OF_TEXT,
        eos_token=END_OF_TEXT,
        pad_token=END_OF_TEXT,
        model_max_length=context_length,
        clean_up_tokenization_spaces=False,
    )


def ensure_padding(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """Give ``tokenizer`` a padding token (its end-of-text token) when it has none, as GPT-2's lacks one."""
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise ValueError("the tokenizer has neither a padding nor an end-of-text token")
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    return tokenizer
