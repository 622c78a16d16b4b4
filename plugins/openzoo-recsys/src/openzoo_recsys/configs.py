"""Hyperparameters of the two models, validated when a model is created or loaded.

A field that the ``default`` preset sets (in :mod:`openzoo_recsys.plugin`) takes its default from
that preset, so a default never lives in two places that can drift apart; the others (``dropout``,
``eval_seed``) are set by no preset and default here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, final

from openzoo import BadInputError
from openzoo_recsys.plugin import MF_DEFAULT_CONFIG, NCF_DEFAULT_CONFIG

__all__ = ["MFConfig", "NCFConfig", "parse_config"]

_Config = TypeVar("_Config", "MFConfig", "NCFConfig")


@final
@dataclass(frozen=True, slots=True)
class MFConfig:
    """Biased matrix factorisation: ``mean + b_u + b_i + p_u . q_i``."""

    #: Size of the latent factors ``p_u`` and ``q_i``.
    factors: int = MF_DEFAULT_CONFIG["factors"]
    #: L2 penalty on the factors and biases a batch uses, averaged over the batch.
    reg: float = MF_DEFAULT_CONFIG["reg"]
    #: Standard deviation of the normal the factors start from (biases start at 0).
    init_std: float = MF_DEFAULT_CONFIG["init_std"]

    def __post_init__(self) -> None:
        _positive("factors", self.factors)
        _non_negative("reg", self.reg)
        _non_negative("init_std", self.init_std)


@final
@dataclass(frozen=True, slots=True)
class NCFConfig:
    """Neural collaborative filtering: GMF and MLP towers fused by a linear layer (NeuMF)."""

    #: Size of the GMF user and item embeddings.
    factors: int = NCF_DEFAULT_CONFIG["factors"]
    #: Widths of the MLP tower, comma-separated; the first is the concatenated user+item embedding.
    mlp_layers: str = NCF_DEFAULT_CONFIG["mlp_layers"]
    #: Unseen items sampled per observed interaction for the BCE loss.
    negatives: int = NCF_DEFAULT_CONFIG["negatives"]
    #: Dropout between MLP layers (no preset sets it).
    dropout: float = 0.0
    #: L2 penalty on the embeddings a batch uses, averaged over the batch.
    reg: float = NCF_DEFAULT_CONFIG["reg"]
    #: Standard deviation of the normal the embeddings start from.
    init_std: float = NCF_DEFAULT_CONFIG["init_std"]
    #: Seed of the negatives drawn for the evaluation loss (training draws from torch's global generator).
    eval_seed: int = 0

    def __post_init__(self) -> None:
        _positive("factors", self.factors)
        _positive("negatives", self.negatives)
        _non_negative("reg", self.reg)
        _non_negative("init_std", self.init_std)
        if not 0.0 <= self.dropout < 1.0:
            raise BadInputError(f"model option dropout={self.dropout!r} must be in [0, 1)")
        widths = self.widths
        if widths[0] % 2:
            raise BadInputError(
                f"model option mlp_layers={self.mlp_layers!r}: the first width is the user and item "
                "embeddings concatenated, so it must be even (for example 64,32,16)"
            )

    @property
    def widths(self) -> list[int]:
        """The MLP widths as integers."""
        try:
            widths = [int(part) for part in str(self.mlp_layers).split(",") if part.strip()]
        except ValueError:
            widths = []
        if len(widths) < 1 or any(w <= 0 for w in widths):
            raise BadInputError(
                f"model option mlp_layers={self.mlp_layers!r} must be comma-separated positive integers, e.g. 64,32,16"
            )
        return widths


def parse_config(cls: type[_Config], config: Mapping[str, Any]) -> _Config:
    """Build ``cls`` from a preset's config updated with user options; ``None`` values mean "not set".

    :raises BadInputError: for an unknown key or a value of the wrong type.
    """
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(config) - set(fields))
    if unknown:
        raise BadInputError(f"unknown model option(s) {unknown}; known: {sorted(fields)}")
    values: dict[str, Any] = {}
    for name, value in config.items():
        if value is None:
            continue
        kind = type(fields[name].default)
        try:
            if kind is int and (isinstance(value, bool) or (isinstance(value, float) and not value.is_integer())):
                raise ValueError
            values[name] = kind(value)
        except (TypeError, ValueError):
            raise BadInputError(f"model option {name}={value!r} must be of type {kind.__name__}") from None
    return cls(**values)


def _positive(name: str, value: int) -> None:
    if value <= 0:
        raise BadInputError(f"model option {name}={value!r} must be a positive integer")


def _non_negative(name: str, value: float) -> None:
    if not value >= 0:
        raise BadInputError(f"model option {name}={value!r} must be >= 0")
