"""Batched prediction: raw texts in, label names and probabilities out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch
from openzoo import BadInputError

if TYPE_CHECKING:
    from openzoo_bert.model import BertClassifier

__all__ = ["predict_texts"]


def predict_texts(
    model: BertClassifier, inputs: Sequence[str] | str, *, top_k: int | None = None, batch_size: int = 32
) -> list[dict[str, Any]]:
    """Classify ``inputs`` in batches of ``batch_size`` on the device of ``model.module``.

    Each record is ``{"label": str, "score": float, "scores": {label: probability}}`` with
    ``scores`` ordered from most to least probable (only the first ``top_k`` when given), in the
    order of ``inputs``. Texts are batched longest first, so a batch pads to similar lengths.
    The module runs in eval mode without gradients and is put back in the mode it was in.
    """
    texts = [inputs] if isinstance(inputs, str) else list(inputs)
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise BadInputError(f"bert: input {index} must be a text (str), got {type(text).__name__}")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise BadInputError(f"bert: top_k={top_k!r} must be a positive integer")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise BadInputError(f"bert: batch_size={batch_size!r} must be a positive integer")
    labels = model.labels
    module = model.module
    device = next(module.parameters()).device
    was_training = module.training
    module.eval()
    # Longest texts first, so each batch holds texts of similar length and pads little (as
    # sentence-transformers' encode does); the records go back in input order.
    order = sorted(range(len(texts)), key=lambda index: -len(texts[index]))
    records: list[dict[str, Any]] = [{} for _ in texts]
    try:
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = order[start : start + batch_size]
                batch = model.collate([{"text": texts[index]} for index in chunk])
                logits = module(**{key: value.to(device) for key, value in batch.items()})["logits"]
                probabilities = torch.softmax(logits.float(), dim=-1).cpu()
                for index, row in zip(chunk, probabilities):
                    records[index] = _record(row, labels, top_k)
    finally:
        module.train(was_training)
    return records


def _record(probabilities: torch.Tensor, labels: list[str], top_k: int | None) -> dict[str, Any]:
    values, order = torch.sort(probabilities, descending=True)
    ranked = [(labels[int(index)], float(value)) for value, index in zip(values, order)]
    if top_k is not None:
        ranked = ranked[:top_k]
    return {"label": ranked[0][0], "score": ranked[0][1], "scores": dict(ranked)}
