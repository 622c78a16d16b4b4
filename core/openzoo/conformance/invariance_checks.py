"""Boundary shapes and dtypes, numeric invariances of the loss, and seeds that matter.

Authors test their model at the batch size they train with; these checks run it at
batch size 1 and at an odd size, check that fp32 stays float32, that the loss is a
mean (``k`` copies of an example have that example's loss, and a batch's loss is the
mean of its examples' losses when each example has one target), and that different
seeds give different weights. Every check builds a fresh model from one test preset
and runs it in eval mode on the CPU.
"""

from __future__ import annotations

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
    "check_model_runs_at_batch_sizes_one_and_odd",
    "check_model_seeds_give_different_weights",
]

#: Allowed relative error between two losses that must be equal (fp32, CPU).
LOSS_TOLERANCE = 1e-4
#: Largest change of a batch's loss when its rows are reversed that rounding explains (fp32).
ORDER_TOLERANCE = 1e-6
#: Batch sizes the boundary check runs: one example, and an odd number.
BOUNDARY_SIZES = (1, 3)
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
        inputs = [raw_input(subject.spec.task, e) for e in examples]
        options = {"max_new_tokens": 2} if subject.spec.task == TEXT_GENERATION else {}
        try:
            records = model.predict(inputs, **options)
        except Exception as exc:
            raise fail(
                subject, f"predict must work on {size} input(s)", f"{type(exc).__name__}: {exc}", "handle any count"
            ) from exc
        if not isinstance(records, list) or len(records) != size:
            raise fail(
                subject,
                "predict must return one record per input",
                f"{len(records) if hasattr(records, '__len__') else records!r} for {size} input(s)",
                "return a list with one record per input",
            )


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
    together = _loss(subject, model, examples, f"a batch of {len(examples)}")
    alone = [_loss(subject, model, [e], "one example") for e in examples]
    mean = sum(alone) / len(alone)
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
