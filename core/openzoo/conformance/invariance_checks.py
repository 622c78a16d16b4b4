"""Boundary shapes and dtypes, numeric invariances of the loss, and seeds that matter.

Authors test their model at the batch size they train with; these checks run it at
batch size 1 and at an odd size, check that fp32 stays float32, that the loss is a
mean (``k`` copies of an example have that example's loss, and a batch's loss is the
mean of its examples' losses when each example has one target), and that different
seeds give different weights. Every check builds a fresh model from one test preset
and runs it in eval mode on the CPU.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from openzoo.conformance.declaration import CheckSkipped, Measurement, check, fail
from openzoo.conformance.model_checks import prepared
from openzoo.conformance.model_runtime import collate, forward, max_error, state_dict_differences
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import output_shape_problems, raw_input, sample_examples
from openzoo.tasks import IMAGE_CLASSIFICATION, RECOMMENDATION, TEXT_CLASSIFICATION, TEXT_GENERATION

__all__ = [
    "LOSS_TOLERANCE",
    "check_model_loss_is_mean_over_copies",
    "check_model_loss_is_mean_over_examples",
    "check_model_runs_a_batch_over_256",
    "check_model_runs_at_batch_sizes_one_and_odd",
    "check_model_seeds_give_different_weights",
]

#: Allowed relative error between two losses that must be equal (fp32, CPU).
LOSS_TOLERANCE = 1e-4
#: Largest change of a batch's loss when its rows are reversed that rounding explains (fp32).
ORDER_TOLERANCE = 1e-6
#: Batch sizes the boundary check runs: one example, and an odd number.
BOUNDARY_SIZES = (1, 3)
#: Examples in the large-batch check: one past 256, where CPython stops sharing the objects of
#: small ints (a count compared with ``is`` instead of ``==`` goes wrong) and a count kept in
#: ``uint8`` wraps to 1.
LARGE_BATCH = 257
#: Copies of one example in the mean-over-copies check.
COPIES = 3
#: Tasks whose examples carry exactly one target each.
ONE_TARGET_TASKS = (TEXT_CLASSIFICATION, IMAGE_CLASSIFICATION, RECOMMENDATION)


def _loss(subject: ModelSubject, model: Any, examples: list[dict[str, Any]], what: str, *, seed: int = 0) -> Any:
    outputs = forward(subject, model.module, collate(subject, model, examples), seed=seed)
    loss = outputs.get("loss")
    if loss is None:
        raise fail(subject, f"module(**batch) must return 'loss' for {what}", "no 'loss'", "compute the loss")
    return loss.detach().float()


def _skip_sampled_loss(subject: ModelSubject, model: Any, examples: list[dict[str, Any]]) -> None:
    """Skip when the eval-mode loss samples (it changes with the seed, or with the order of the rows).

    A loss over sampled negatives draws them per row of the batch, so neither copies nor
    sub-batches give the same draws: no exact invariance holds for it.
    """
    first = _loss(subject, model, examples, "a batch")
    reordered = list(reversed(examples))
    if (
        max_error(_loss(subject, model, examples, "a batch", seed=1), first) > 0
        or max_error(_loss(subject, model, reordered, "the batch reversed"), first) > ORDER_TOLERANCE
    ):
        raise CheckSkipped(
            "the loss samples in eval mode (it changes with the seed or the order of the rows, as with sampled "
            "negatives), so it has no exact batch invariance to check"
        )


def _skip_batch_variant_logits(subject: ModelSubject, model: Any, examples: list[dict[str, Any]]) -> None:
    """Skip when an example's logits depend on its batch: that is check_model_batch_invariance's failure."""
    key = next(iter(subject.task.outputs))
    together = forward(subject, model.module, collate(subject, model, examples)).get(key)
    for row, example in enumerate(examples):
        alone = forward(subject, model.module, collate(subject, model, [example])).get(key)
        if together is None or alone is None or max_error(together[row : row + 1], alone) > LOSS_TOLERANCE:
            raise CheckSkipped(
                "prerequisite check_model_batch_invariance failed: outputs depend on the batch, so losses cannot be compared"
            )


@check(kind="model", applies_to="every test preset")
def check_model_runs_at_batch_sizes_one_and_odd(subject: ModelSubject, *, preset: str) -> None:
    """Forward, loss and ``predict`` work at batch size 1 and 3; fp32 outputs are float32.

    Why: a ``squeeze()`` that drops the batch axis of a batch of one, a reshape that
    assumes an even batch, or a float64 constant that promotes the outputs all pass at
    the training batch size and break at the tail of an epoch or in serving. Fix:
    squeeze named dimensions only (``squeeze(-1)``), never hard-code the batch size,
    and build constants with the input's dtype (``torch.tensor(x, dtype=logits.dtype)``).
    """
    import torch

    model = subject.build(preset)
    model.module.eval()
    pool = sample_examples(subject.spec.task, subject.dataset, max(BOUNDARY_SIZES))
    for size in BOUNDARY_SIZES:
        examples = pool[:size]
        batch = collate(subject, model, examples)
        outputs = forward(subject, model.module, batch)
        problems = output_shape_problems(subject.task, outputs, batch, subject.dataset.info)
        for key, value in outputs.items():
            if isinstance(value, torch.Tensor) and value.is_floating_point() and value.dtype != torch.float32:
                problems.append(f"output {key!r} is {value.dtype}")
        if problems:
            raise fail(
                subject,
                f"outputs at batch size {size} must follow the task in float32",
                "; ".join(problems),
                "squeeze named dimensions only and keep constants in the input's dtype",
            )
        _predict_one_record_each(
            subject, model, examples, 2, refused=f"predict must work on {size} input(s)", fix="handle any count"
        )


def _predict_one_record_each(
    subject: ModelSubject, model: Any, examples: list[dict[str, Any]], new_tokens: int, *, refused: str, fix: str
) -> None:
    """``predict`` the raw inputs of ``examples`` (``new_tokens`` for generation); fail unless one record each."""
    inputs = [raw_input(subject.spec.task, e) for e in examples]
    options = {"max_new_tokens": new_tokens} if subject.spec.task == TEXT_GENERATION else {}
    try:
        records = model.predict(inputs, **options)
    except Exception as exc:
        raise fail(subject, refused, f"{type(exc).__name__}: {exc}", fix) from exc
    if not isinstance(records, list) or len(records) != len(examples):
        raise fail(
            subject,
            "predict must return one record per input",
            f"{len(records) if hasattr(records, '__len__') else records!r} for {len(examples)} input(s)",
            "return a list with one record per input",
        )


@check(kind="model", level="recommended", applies_to="every test preset")
def check_model_runs_a_batch_over_256(subject: ModelSubject, *, preset: str) -> None:
    """A batch of 257 examples collates and runs with a finite loss, and ``predict`` answers 257 inputs.

    For one-target tasks whose loss does not sample, the loss of the 257 examples must also be
    the mean of the losses of its two halves (128 and 129 examples), weighted by their sizes.

    Why: 257 is the first size where two quiet mistakes show. CPython shares the objects of
    the ints up to 256, so a count compared with ``is`` (``rated is len(examples)``) is true
    for every batch the other checks build and false beyond; and a count kept in ``uint8``
    (``mask.sum(dtype=torch.uint8)``) wraps to 1, multiplying a mean by 257. Serving and
    evaluation batches reach this size; training at batch 8 never does. Fix: compare numbers
    with ``==``, and count in ``int64`` (torch's default for ``sum`` of integers).

    Recommended in suite 1.9: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    import torch

    model = subject.build(preset)
    model.module.eval()
    pool = sample_examples(subject.spec.task, subject.dataset, 64)
    if not pool:
        raise fail(subject, "the test dataset must have examples", "an empty training split", "fix the test dataset")
    examples = [copy.deepcopy(pool[i % len(pool)]) for i in range(LARGE_BATCH)]
    batch = collate(subject, model, examples)
    outputs = forward(subject, model.module, batch)
    problems = output_shape_problems(subject.task, outputs, batch, subject.dataset.info)
    loss = outputs.get("loss")
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1 or not math.isfinite(float(loss)):
        problems.append(f"the loss is {loss!r}, not a finite scalar")
    if problems:
        raise fail(
            subject,
            f"a batch of {LARGE_BATCH} examples must run like a small one",
            "; ".join(problems),
            "compare counts with ==, never `is`, and count in int64",
        )
    if subject.spec.task in ONE_TARGET_TASKS and _loss_is_exact(subject, model, pool[:4]):
        half = LARGE_BATCH // 2
        parts = [(examples[:half], half), (examples[half:], LARGE_BATCH - half)]
        weighted = sum(_loss(subject, model, part, f"{size} examples") * size for part, size in parts) / LARGE_BATCH
        together = loss.detach().float()
        if max_error(together, weighted) > LOSS_TOLERANCE:
            raise fail(
                subject,
                f"the loss of {LARGE_BATCH} examples must be the mean of its examples' losses",
                f"{float(together):.6g} for the batch vs {float(weighted):.6g} from its halves of {half} and "
                f"{LARGE_BATCH - half}",
                "count examples in int64 (a uint8 count wraps at 256) and reduce with the mean",
            )
    _predict_one_record_each(
        subject,
        model,
        examples,
        1,
        refused=f"predict must answer {LARGE_BATCH} inputs",
        fix="compare counts with ==, never `is`, and handle any number of inputs",
    )


def _loss_is_exact(subject: ModelSubject, model: Any, examples: list[dict[str, Any]]) -> bool:
    """Whether a small batch's loss is the mean of its examples' (else no larger mean can be compared).

    A loss that samples, logits that depend on the batch or a loss that is no mean fail other
    checks (check_model_loss_is_mean_over_examples and its prerequisites); here they only leave
    the comparison out.
    """
    try:
        _skip_sampled_loss(subject, model, examples)
        _skip_batch_variant_logits(subject, model, examples)
    except CheckSkipped:
        return False
    together, mean = _batch_and_mean_losses(subject, model, examples)
    return max_error(together, mean) <= LOSS_TOLERANCE


def _batch_and_mean_losses(subject: ModelSubject, model: Any, examples: list[dict[str, Any]]) -> tuple[Any, Any]:
    """The loss of ``examples`` as one batch, and the mean of their losses one at a time."""
    together = _loss(subject, model, examples, f"a batch of {len(examples)}")
    alone = [_loss(subject, model, [e], "one example") for e in examples]
    return together, sum(alone) / len(alone)


@check(kind="model", level="recommended", applies_to="every test preset")
def check_model_loss_is_mean_over_copies(subject: ModelSubject, *, preset: str) -> Measurement:
    """A batch of ``k`` copies of one example has that example's loss: the loss is a mean, not a sum.

    Why: a summed loss grows with the batch size, so the learning rate that works at
    batch 8 diverges at 64 and losses logged at different batch sizes cannot be
    compared. Fix: reduce with ``mean`` (``reduction="mean"``) over examples or tokens.
    """
    model, _, examples = prepared(subject, preset, n=2)
    _skip_sampled_loss(subject, model, examples[:2] if len(examples) > 1 else examples)
    single = _loss(subject, model, examples[:1], "one example")
    copies = _loss(subject, model, examples[:1] * COPIES, f"{COPIES} copies")
    error = max_error(copies, single)
    if error > LOSS_TOLERANCE:
        raise fail(
            subject,
            f"the loss of {COPIES} copies of an example must equal its loss",
            f"{float(copies):.6g} for {COPIES} copies vs {float(single):.6g} alone",
            "reduce the loss with a mean over examples (or tokens), not a sum",
        )
    return Measurement(error=error, tolerance=LOSS_TOLERANCE)


@check(kind="model", level="recommended", applies_to="test presets of classification and recommendation models")
def check_model_loss_is_mean_over_examples(subject: ModelSubject, *, preset: str) -> Measurement:
    """For one-target-per-example tasks, a batch's loss is the mean of its examples' losses.

    Why: the loss then does not depend on how a split is cut into batches, so the
    evaluation loss and the logged training loss mean the same at every batch size.
    A loss weighted by the wrong axis, averaged twice or normalised by a constant
    breaks this. Fix: ``cross_entropy(logits, labels)`` (or ``mse_loss``) with the
    default mean reduction over the batch.
    """
    model, _, examples = prepared(subject, preset, n=4)
    _skip_sampled_loss(subject, model, examples)
    _skip_batch_variant_logits(subject, model, examples)
    together, mean = _batch_and_mean_losses(subject, model, examples)
    error = max_error(together, mean)
    if error > LOSS_TOLERANCE:
        raise fail(
            subject,
            "the loss of a batch must be the mean of its examples' losses",
            f"{float(together):.6g} for the batch vs mean {float(mean):.6g} of the {len(examples)} examples alone",
            "use the mean reduction over the batch, and no per-batch normalisation",
        )
    return Measurement(error=error, tolerance=LOSS_TOLERANCE)


@check(kind="model", applies_to="every test preset")
def check_model_seeds_give_different_weights(subject: ModelSubject, *, preset: str) -> None:
    """Seeds 0, 1 and 2 give three different initial weights.

    Why: a factory that seeds torch itself (``torch.manual_seed(0)`` in ``create``) or
    loads fixed weights makes every seed of a sweep the same run, so variance across
    seeds reads as zero. Fix: never seed inside the plugin; the engine seeds before
    ``create``.
    """
    states = [
        {k: v.detach().clone() for k, v in subject.build(preset, seed=seed).module.state_dict().items()}
        for seed in (0, 1, 2)
    ]
    for first, second in ((0, 1), (0, 2), (1, 2)):
        differing = state_dict_differences(states[first], states[second])
        if not differing:
            raise fail(
                subject,
                "different seeds must give different weights",
                f"seeds {first} and {second} give identical weights",
                "do not call torch.manual_seed (or load fixed weights) inside create()",
            )
