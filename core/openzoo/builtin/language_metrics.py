"""Language-model metrics: perplexity per token and bits per character.

Both read ``outputs["logits"]`` [B, T, V] and ``batch["labels"]`` [B, T] with the
Hugging Face causal convention: the logits at position t predict the label at
position t + 1, so ``logits[:, :-1]`` is scored against ``labels[:, 1:]``; labels
equal to -100 (padding, prompts) are ignored. The cross-entropy is computed with
:func:`torch.nn.functional.cross_entropy` (a stable log-softmax) in float32 or
wider, whatever the logits' dtype, and summed into the metric's state.

torchmetrics' ``Perplexity`` is not used: it takes the log of a softmax, which
underflows to ``inf`` for tokens the model finds very unlikely, it does not shift,
and bits per character needs the summed cross-entropy anyway.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import torch
import torch.nn.functional as F

from openzoo.builtin.metric_base import TaskMetric, read_tensor
from openzoo.errors import BadInputError

__all__ = ["BitsPerChar", "Perplexity"]

IGNORE_INDEX = -100
#: Above this mean cross-entropy (nats) ``exp`` overflows a float; perplexity is reported as ``inf``.
_MAX_EXP = math.log(1.7976931348623157e308)


def next_token_loss(metric: str, outputs: Mapping[str, Any], batch: Mapping[str, Any]) -> tuple[torch.Tensor, int]:
    """Return the summed next-token cross-entropy in nats (float32 or wider) and the number of scored tokens."""
    logits = read_tensor(metric, "outputs", outputs, "logits", "float tensor [batch, seq, vocab]")
    labels = read_tensor(metric, "batch", batch, "labels", "long tensor [batch, seq], -100 ignored")
    if logits.ndim != 3 or labels.ndim != 2 or logits.shape[:2] != labels.shape:
        raise BadInputError(
            f"metric {metric!r} needs logits [batch, seq, vocab] and labels [batch, seq] of the same batch and "
            f"sequence length; got logits {tuple(logits.shape)} and labels {tuple(labels.shape)}"
        )
    if not logits.is_floating_point() or labels.is_floating_point():
        raise BadInputError(
            f"metric {metric!r} needs float logits and integer labels; got {logits.dtype} and {labels.dtype}"
        )
    vocab = logits.shape[-1]
    targets = labels[:, 1:].long()
    scored = targets != IGNORE_INDEX
    if scored.any() and (int(targets[scored].min()) < 0 or int(targets[scored].max()) >= vocab):
        raise BadInputError(
            f"metric {metric!r}: labels must be token ids in [0, {vocab}) or {IGNORE_INDEX}; "
            f"got values from {int(targets[scored].min())} to {int(targets[scored].max())}"
        )
    shifted = logits[:, :-1]
    if shifted.dtype in (torch.float16, torch.bfloat16):
        shifted = shifted.float()
    loss = F.cross_entropy(shifted.reshape(-1, vocab), targets.reshape(-1), ignore_index=IGNORE_INDEX, reduction="sum")
    return loss, int(scored.sum())


class Perplexity(TaskMetric):
    """Exponential of the mean next-token cross-entropy over all scored tokens.

    States: the summed cross-entropy (nats) and the number of scored tokens.
    """

    metric_name: ClassVar[str] = "perplexity"
    higher_is_better: ClassVar[bool] = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("nll", default=torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("tokens", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, outputs: Mapping[str, Any], batch: Mapping[str, Any]) -> None:
        """Add one batch of ``outputs["logits"]`` [B, T, V] and ``batch["labels"]`` [B, T]."""
        loss, tokens = next_token_loss(self.metric_name, outputs, batch)
        self.nll += loss.to(device=self.nll.device, dtype=self.nll.dtype)
        self.tokens += tokens

    def _count(self) -> torch.Tensor:
        return self.tokens

    def _value(self) -> float:
        mean = float(self.nll) / int(self.tokens)
        return math.exp(mean) if mean < _MAX_EXP else math.inf


class BitsPerChar(TaskMetric):
    """Total next-token cross-entropy in bits divided by the characters of text behind the tokens.

    Comparable across tokenizers. The character count comes from
    ``batch["meta"]["num_chars"]`` ([B], summed), which the model's ``collate``
    provides. States: the summed cross-entropy (nats), scored tokens and characters.
    """

    metric_name: ClassVar[str] = "bits_per_char"
    higher_is_better: ClassVar[bool] = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_state("nll", default=torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("tokens", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")
        self.add_state("chars", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, outputs: Mapping[str, Any], batch: Mapping[str, Any]) -> None:
        """Add one batch of logits and labels, and its ``batch["meta"]["num_chars"]``."""
        meta = batch.get("meta") if isinstance(batch, Mapping) else None
        if not isinstance(meta, Mapping) or meta.get("num_chars") is None:
            raise BadInputError(
                "metric 'bits_per_char' needs batch['meta']['num_chars'] (long tensor [batch]: characters of text "
                "behind each row's tokens); the model's collate must add it, or evaluate with --metric perplexity"
            )
        num_chars = read_tensor(self.metric_name, "batch['meta']", meta, "num_chars", "long tensor [batch]")
        if num_chars.is_floating_point() or (num_chars.numel() and int(num_chars.min()) < 0):
            raise BadInputError(
                f"metric 'bits_per_char': batch['meta']['num_chars'] must hold non-negative integers, got {num_chars}"
            )
        loss, tokens = next_token_loss(self.metric_name, outputs, batch)
        self.nll += loss.to(device=self.nll.device, dtype=self.nll.dtype)
        self.tokens += tokens
        self.chars += int(num_chars.sum())

    def _count(self) -> torch.Tensor:
        return self.chars

    def _value(self) -> float:
        return float(self.nll) / math.log(2) / int(self.chars)
