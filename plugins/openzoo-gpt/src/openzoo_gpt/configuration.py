"""The architecture options of ``gpt``: validation of the config ``create`` receives.

``config`` is a preset's config updated with the user's ``-o`` options. Keys left
unset take GPT-2's values (:data:`GPT2_DEFAULTS`). This module imports no torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, final

from openzoo import BadInputError, UnknownNameError
from openzoo_gpt.plugin import GPT2_CONFIG

__all__ = ["GPT2_DEFAULTS", "MIN_VOCAB_SIZE", "Architecture", "parse_architecture"]

#: The 256 byte symbols of byte-level BPE plus the end-of-text token.
MIN_VOCAB_SIZE = 257
#: GPT-2 124M (the ``gpt2`` preset's config): the values of keys a config leaves unset.
GPT2_DEFAULTS: Mapping[str, Any] = GPT2_CONFIG


@final
@dataclass(frozen=True, slots=True)
class Architecture:
    """Validated sizes of a GPT-2 model and its tokenizer."""

    #: Largest vocabulary the tokenizer trainer may produce (it stops early on small corpora).
    vocab_size: int
    #: Context length in tokens.
    n_positions: int
    #: Width of the residual stream.
    n_embd: int
    #: Number of transformer blocks.
    n_layer: int
    #: Number of attention heads; divides ``n_embd``.
    n_head: int
    #: Dropout probability on embeddings, residuals and attention weights.
    dropout: float


def _positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise BadInputError(f"gpt option {name}={value!r} must be an integer >= {minimum}")
    return value


def parse_architecture(config: Mapping[str, Any]) -> Architecture:
    """Return the :class:`Architecture` that ``config`` describes.

    :raises UnknownNameError: for a key that is not an option of ``gpt``.
    :raises BadInputError: for a value out of range or of the wrong type.
    """
    unknown = [key for key in config if key not in GPT2_DEFAULTS]
    if unknown:
        raise UnknownNameError("option of model 'gpt'", unknown[0], GPT2_DEFAULTS)
    values = {**GPT2_DEFAULTS, **{key: value for key, value in config.items() if value is not None}}
    arch = Architecture(
        vocab_size=_positive_int("vocab_size", values["vocab_size"], MIN_VOCAB_SIZE),
        n_positions=_positive_int("n_positions", values["n_positions"], 2),
        n_embd=_positive_int("n_embd", values["n_embd"]),
        n_layer=_positive_int("n_layer", values["n_layer"]),
        n_head=_positive_int("n_head", values["n_head"]),
        dropout=values["dropout"],
    )
    if isinstance(arch.dropout, bool) or not isinstance(arch.dropout, (int, float)) or not 0 <= arch.dropout < 1:
        raise BadInputError(f"gpt option dropout={arch.dropout!r} must be a number in [0, 1)")
    if arch.n_embd % arch.n_head:
        raise BadInputError(
            f"gpt option n_embd={arch.n_embd} is not divisible by n_head={arch.n_head}; "
            "choose sizes where every head gets the same width"
        )
    return arch
