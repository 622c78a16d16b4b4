"""Model behaviour checks: batch invariance, predict on raw inputs, no mutation of inputs."""

from __future__ import annotations

import copy
import re
from typing import Any

from openzoo.conformance.declaration import CheckSkipped, Measurement, check, fail
from openzoo.conformance.fingerprints import fingerprint
from openzoo.conformance.model_checks import prepared
from openzoo.conformance.model_runtime import collate, forward, max_error
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import raw_input, sample_examples
from openzoo.tasks import TEXT_GENERATION

__all__ = [
    "BATCH_TOLERANCE",
    "check_model_batch_invariance",
    "check_model_does_not_mutate_inputs",
    "check_model_predict_on_raw_inputs",
    "predict_keys",
    "raw_predict_options",
]

#: Allowed error between an example's outputs alone and inside a padded batch (fp32, CPU).
BATCH_TOLERANCE = 1e-4


def _valid_positions(batch: dict[str, Any], row: int) -> Any:
    """Return a bool mask of the real (not padding) positions of ``row``, or ``None`` when unknown."""
    mask = batch.get("attention_mask")
    if mask is not None and mask.ndim == 2:
        return mask[row].bool()
    labels = batch.get("labels")
    if labels is not None and labels.ndim == 2:
        return labels[row] != -100
    return None


def _row(logits: Any, batch: dict[str, Any], row: int) -> Any:
    if logits.ndim >= 3:
        valid = _valid_positions(batch, row)
        return logits[row][valid] if valid is not None else logits[row]
    return logits[row]


@check(kind="model", applies_to="test presets of text models, and of models with capability 'batch_invariance'")
def check_model_batch_invariance(subject: ModelSubject, *, preset: str) -> Measurement:
    """Each example's outputs alone equal its outputs inside a padded batch.

    Why: batching pads shorter inputs; a model that ignores the attention mask, pools
    over padding or normalises across the batch gives an example different outputs
    depending on its neighbours, so evaluation numbers depend on the batch size.
    Fix: pass the attention mask to every attention layer and mask padding out of
    pooling and losses.
    """
    model, batch, examples = prepared(subject, preset)
    key = next(iter(subject.task.outputs))
    together = forward(subject, model.module, batch).get(key)
    if max_error(forward(subject, model.module, batch, seed=1).get(key), together) > 0:
        raise CheckSkipped(
            "prerequisite check_model_eval_is_deterministic failed: outputs are random in eval mode, so batches cannot be compared"
        )
    worst = 0.0
    for row, example in enumerate(examples):
        alone_batch = collate(subject, model, [example])
        alone = forward(subject, model.module, alone_batch).get(key)
        error = max_error(_row(together, batch, row), _row(alone, alone_batch, 0))
        worst = max(worst, error)
        if error > BATCH_TOLERANCE:
            raise fail(
                subject,
                "an example's outputs must not depend on the rest of its batch",
                f"example {row} differs by {error:.3g} in {key!r} alone vs. in a padded batch of {len(examples)} "
                f"({_padding_side(batch)})",
                "the likely causes, in order: the attention mask not applied everywhere (attention, pooling, loss); "
                "the padding side (a left-padded batch needs position ids counted from each row's first real "
                "token, a right-padded one reads the last real token, not the last position); position ids "
                "computed from the padded width instead of the mask",
            )
    return Measurement(error=worst, tolerance=BATCH_TOLERANCE)


def _padding_side(batch: dict[str, Any]) -> str:
    """Describe where ``collate`` put the padding (from the attention mask), for the failure message."""
    mask = batch.get("attention_mask")
    if mask is None or getattr(mask, "ndim", 0) != 2 or bool(mask.bool().all()):
        return "no attention mask in the batch" if mask is None else "no padding"
    left = bool((mask[:, 0] == 0).any())
    right = bool((mask[:, -1] == 0).any())
    side = "left and right" if left and right else ("left" if left else "right")
    ids = "with position_ids in the batch" if "position_ids" in batch else "without position_ids in the batch"
    return f"padding on the {side}, {ids}"


def predict_keys(description: str) -> list[str]:
    """Return the top-level keys named in a task's ``predict_output`` description."""
    keys, depth = [], 0
    for match in re.finditer(r"[{}\[\]]|'(\w+)'\s*:", description):
        token = match.group(0)
        if token in "{[":
            depth += 1
        elif token in "}]":
            depth -= 1
        elif depth == 1:
            keys.append(match.group(1))
    return keys


def raw_predict_options(subject: ModelSubject) -> dict[str, Any]:
    """The options the checks pass to ``predict`` on raw inputs: a short generation (4 new tokens) when declared."""
    names = {o.name for o in subject.spec.predict_options}
    return {"max_new_tokens": 4} if subject.spec.task == TEXT_GENERATION and "max_new_tokens" in names else {}


def predict_raw_inputs(subject: ModelSubject, model: Any, inputs: list[Any]) -> list[Any]:
    """Return ``model.predict(inputs)`` as the checks call it (a short generation); a failure fails ``subject``."""
    try:
        return model.predict(inputs, **raw_predict_options(subject))
    except Exception as exc:
        raise fail(
            subject,
            "predict(raw inputs) must work",
            f"{type(exc).__name__}: {exc}",
            f"accept {subject.task.predict_input}",
        ) from exc


@check(kind="model", applies_to="every test preset")
def check_model_predict_on_raw_inputs(subject: ModelSubject, *, preset: str) -> None:
    """``predict`` takes the task's raw inputs and returns one record per input with the task's keys.

    Why: ``openzoo predict`` and the Python API hand raw inputs (texts, images, user ids)
    to ``predict``; a model that needs a collated batch there, or returns records of
    another shape, cannot be served. Fix: run the model's own preprocessing inside
    ``predict`` and return records shaped as the task's ``predict_output``.
    """
    model, _, examples = prepared(subject, preset, n=3)
    inputs = [raw_input(subject.spec.task, e) for e in examples]
    records = predict_raw_inputs(subject, model, inputs)
    if not isinstance(records, list) or len(records) != len(inputs):
        got = (
            f"{type(records).__name__} of length {len(records)}"
            if hasattr(records, "__len__")
            else type(records).__name__
        )
        raise fail(
            subject, "predict must return a list with one record per input", got, "return [record for each input]"
        )
    wanted = predict_keys(subject.task.predict_output)
    for index, record in enumerate(records):
        missing = [k for k in wanted if not isinstance(record, dict) or k not in record]
        if missing:
            raise fail(
                subject,
                "predict records must have the task's keys",
                f"record {index} lacks {missing}",
                f"return {subject.task.predict_output}",
            )


@check(kind="model", applies_to="every test preset")
def check_model_does_not_mutate_inputs(subject: ModelSubject, *, preset: str) -> None:
    """``collate``, ``module(**batch)`` and ``predict`` leave their inputs unchanged.

    Why: the engine reuses dataset examples every epoch and batches across metrics; an
    in-place edit (``labels[labels == pad] = -100`` on the batch, ``example.pop(...)``)
    corrupts the next epoch or the next metric. Fix: copy before editing
    (``labels = labels.clone()``; ``dict(example)``).
    """
    import torch

    model = subject.build(preset)
    model.module.eval()
    examples = sample_examples(subject.spec.task, subject.dataset)
    before = [fingerprint(e) for e in examples]
    batch = collate(subject, model, examples)
    if [fingerprint(e) for e in examples] != before:
        raise fail(
            subject,
            "collate must not change the examples",
            "examples changed by collate",
            "copy examples before editing them",
        )
    saved = {k: v.clone() for k, v in batch.items() if isinstance(v, torch.Tensor)}
    forward(subject, model.module, batch)
    changed = [k for k, v in saved.items() if not torch.equal(v, batch[k])]
    if changed:
        raise fail(
            subject,
            "module(**batch) must not change the batch",
            f"{', '.join(changed)} modified in place",
            "clone tensors before editing them in forward",
        )
    inputs = [raw_input(subject.spec.task, e) for e in copy.deepcopy(examples[:3])]
    snapshot = fingerprint(inputs)
    predict_raw_inputs(subject, model, inputs)
    if fingerprint(inputs) != snapshot:
        raise fail(
            subject,
            "predict must not change its inputs",
            "inputs modified by predict",
            "copy inputs before editing them",
        )
