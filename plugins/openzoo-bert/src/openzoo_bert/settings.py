"""The model configuration a preset and ``-o`` options give: checked once, up front.

``create`` receives a plain mapping (the preset's ``config`` updated with the
user's options); :func:`parse_settings` turns it into a typed, validated
record, so a wrong value fails with a message naming the option before any
tokenizer is trained or weight allocated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, final

from openzoo import BadInputError

from openzoo_bert.plugin import MINI_CONFIG

__all__ = ["BertSettings", "parse_settings"]


@final
@dataclass(frozen=True, slots=True)
class BertSettings:
    """Architecture and tokenizer settings of a BERT classifier trained from scratch.

    With ``--from-pretrained`` only :attr:`max_length` is used: the checkpoint fixes the rest. A
    field a config leaves out takes the value of the default preset (``mini``,
    :data:`openzoo_bert.plugin.MINI_CONFIG`), so the defaults live in one place.
    """

    #: Width of every hidden state.
    hidden_size: int = MINI_CONFIG["hidden_size"]
    #: Number of transformer layers.
    num_hidden_layers: int = MINI_CONFIG["num_hidden_layers"]
    #: Attention heads per layer; must divide :attr:`hidden_size`.
    num_attention_heads: int = MINI_CONFIG["num_attention_heads"]
    #: Width of the feed-forward layer inside each transformer layer.
    intermediate_size: int = MINI_CONFIG["intermediate_size"]
    #: Longest sequence the position embeddings cover.
    max_position_embeddings: int = MINI_CONFIG["max_position_embeddings"]
    #: Most entries of the WordPiece vocabulary trained on the training split.
    vocab_size: int = MINI_CONFIG["vocab_size"]
    #: Longest input in tokens ([CLS] and [SEP] included); ``None`` keeps a pretrained tokenizer's own.
    max_length: int | None = MINI_CONFIG["max_length"]
    #: Lower-case and strip accents before tokenizing.
    lowercase: bool = MINI_CONFIG["lowercase"]
    #: Dropout probability of the encoder and the classification head.
    dropout: float = MINI_CONFIG["dropout"]
    #: True for presets that set no architecture (``finetune``): building from scratch is refused.
    needs_pretrained: bool = False


_INT_FIELDS = (
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "max_position_embeddings",
    "vocab_size",
)


def parse_settings(config: Mapping[str, Any], *, pretrained: bool = False) -> BertSettings:
    """Validate ``config`` and return it as :class:`BertSettings`; unset (``None``) values keep the defaults.

    :param config: the preset's config updated with the user's ``-o`` options.
    :param pretrained: True with ``--from-pretrained``: ``max_length`` then defaults to the tokenizer's own.
    :raises BadInputError: for an unknown key or a value out of range, naming the option.
    """
    known = {field.name for field in fields(BertSettings)}
    unknown = sorted(set(config) - known)
    if unknown:
        raise BadInputError(f"bert: unknown config keys {unknown}; known keys: {', '.join(sorted(known))}")
    values = {key: value for key, value in config.items() if value is not None}
    if pretrained and "max_length" not in values:
        values["max_length"] = None
    for key in _INT_FIELDS:
        value = values.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise BadInputError(f"bert: {key}={value!r} must be a positive integer")
    settings = BertSettings(**values)
    if settings.max_length is not None and (
        isinstance(settings.max_length, bool) or not isinstance(settings.max_length, int) or settings.max_length < 3
    ):
        raise BadInputError(f"bert: max_length={settings.max_length!r} must be an integer of at least 3")
    if not isinstance(settings.dropout, (int, float)) or not 0.0 <= settings.dropout < 1.0:
        raise BadInputError(f"bert: dropout={settings.dropout!r} must be in [0, 1)")
    if not isinstance(settings.lowercase, bool):
        raise BadInputError(f"bert: lowercase={settings.lowercase!r} must be true or false")
    if pretrained:
        return settings
    if settings.needs_pretrained:
        raise BadInputError(
            "bert: this preset only sets fine-tuning defaults and needs --from-pretrained DIR_OR_HUB_ID; "
            "to train from scratch pick the tiny, mini or base preset"
        )
    if settings.hidden_size % settings.num_attention_heads:
        raise BadInputError(
            f"bert: hidden_size={settings.hidden_size} is not a multiple of "
            f"num_attention_heads={settings.num_attention_heads}"
        )
    if settings.max_length is not None and settings.max_length > settings.max_position_embeddings:
        raise BadInputError(
            f"bert: max_length={settings.max_length} exceeds max_position_embeddings="
            f"{settings.max_position_embeddings}; lower max_length"
        )
    return settings
