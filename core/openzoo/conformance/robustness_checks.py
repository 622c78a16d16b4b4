"""Model robustness checks: degenerate inputs stay finite, and running a model leaves its modes alone.

Degenerate inputs are the ones real traffic brings and tiny test batches never do: an
empty text, a one-token text, a row that is all padding, a 1×1 or a non-square image, a
user with no history. Each must give finite outputs of the right shape, or the clear
:class:`~openzoo.BadInputError` the model documents -- never NaN.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from openzoo.conformance.behaviour_checks import predict_keys
from openzoo.conformance.declaration import check, fail
from openzoo.conformance.declared_range_checks import names_option
from openzoo.conformance.model_checks import prepared
from openzoo.conformance.model_runtime import collate, forward
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import output_shape_problems, raw_input, sample_examples
from openzoo.errors import BadInputError
from openzoo.tasks import IMAGE_CLASSIFICATION, RECOMMENDATION, TEXT_CLASSIFICATION, TEXT_GENERATION

__all__ = [
    "UNKNOWN_USER",
    "EmptyTraining",
    "check_model_degenerate_inputs_stay_finite",
    "check_model_keeps_training_modes",
    "check_model_refuses_an_empty_training_split",
    "degenerate_examples",
]

#: The user id the suite asks recommenders about: one with no history at all.
UNKNOWN_USER = "openzoo-conformance-user-with-no-history"


def _image(width: int, height: int) -> Any:
    try:
        from PIL import Image
    except ImportError:
        import numpy as np

        return np.full((height, width, 3), 127, dtype=np.uint8)
    return Image.new("RGB", (width, height), (200, 40, 90))


def degenerate_examples(task: str, like: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Return ``(description, example)`` pairs of degenerate inputs for ``task``, labelled as ``like``."""
    extra = {k: v for k, v in like.items() if k not in ("text", "image", "user")}
    if task in (TEXT_CLASSIFICATION, TEXT_GENERATION):
        word = (str(like.get("text", "")).split() or ["a"])[0]
        return [("an empty text", {**extra, "text": ""}), ("a one-token text", {**extra, "text": word})]
    if task == IMAGE_CLASSIFICATION:
        return [("a 1x1 image", {**extra, "image": _image(1, 1)}), ("a 5x11 image", {**extra, "image": _image(5, 11)})]
    return []


def _numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield float(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _numbers(item)
    elif hasattr(value, "tolist"):
        yield from _numbers(value.tolist())


def _predict_problem(subject: ModelSubject, model: Any, what: str, raw: Any) -> str | None:
    options = {"max_new_tokens": 2} if subject.spec.task == TEXT_GENERATION else {}
    options = {k: v for k, v in options.items() if k in {o.name for o in subject.spec.predict_options}}
    try:
        records = model.predict([raw], **options)
    except BadInputError:
        return None  # a clear, documented refusal is allowed
    except Exception as exc:  # noqa: BLE001 -- any other error is the finding, reported with its cause
        return (
            f"predict on {what} raised {type(exc).__name__}: {exc} (raise BadInputError with a clear message instead)"
        )
    if not isinstance(records, list) or len(records) != 1:
        return f"predict on {what} returned {type(records).__name__}, not one record"
    missing = [
        k for k in predict_keys(subject.task.predict_output) if not isinstance(records[0], dict) or k not in records[0]
    ]
    if missing:
        return f"predict on {what} returned a record without {missing}"
    if any(not math.isfinite(x) for x in _numbers(records[0])):
        return f"predict on {what} returned non-finite numbers: {records[0]!r}"
    return None


def _forward_problem(subject: ModelSubject, model: Any, what: str, examples: list[dict[str, Any]]) -> str | None:
    try:
        batch = model.collate(examples)
    except BadInputError:
        return None
    except Exception as exc:  # noqa: BLE001 -- any other error is the finding, reported with its cause
        return f"collate of a batch with {what} raised {type(exc).__name__}: {exc}"
    outputs = forward(subject, model.module, batch)
    problems = output_shape_problems(subject.task, outputs, batch, subject.dataset.info)
    return f"a batch with {what}: {'; '.join(problems)}" if problems else None


def _all_padding_problem(subject: ModelSubject, model: Any, batch: dict[str, Any]) -> str | None:
    mask = batch.get("attention_mask")
    if mask is None or getattr(mask, "ndim", 0) != 2 or mask.shape[0] < 2:
        return None
    batch = dict(batch)
    batch["attention_mask"] = mask.clone()
    batch["attention_mask"][0] = 0
    labels = batch.get("labels")
    if labels is not None and getattr(labels, "ndim", 0) == 2:
        batch["labels"] = labels.clone()
        batch["labels"][0] = -100
    outputs = forward(subject, model.module, batch)
    problems = output_shape_problems(subject.task, outputs, batch, subject.dataset.info)
    return f"a batch whose first row is all padding: {'; '.join(problems)}" if problems else None


@check(level="recommended", kind="model", applies_to="every test preset")
def check_model_degenerate_inputs_stay_finite(subject: ModelSubject, *, preset: str) -> None:
    """Forward and ``predict`` on degenerate inputs give finite outputs of the right shape, or a clear error.

    The inputs: an empty text, a one-token text and a batch row that is all padding (text
    tasks); a 1×1 and a 5×11 image (image tasks); a user with no history (recommendation).
    Why: users send exactly these, and tiny test batches never do; masked pooling that
    divides by a zero count, attention over no key, or an image resize to zero pixels gives
    NaN that spreads through a whole evaluation. Fix: clamp counts (``mask.sum(1).clamp(min=1)``),
    leave at least one key unmasked, resize before patching -- or raise
    ``BadInputError`` with a message saying what the model does not accept.

    Recommended in suite 1.1 and required from 1.2: a new required check arrives as recommended for
    one minor release (GOVERNANCE.md).
    """
    model, batch, examples = prepared(subject, preset, n=3)
    problems = []
    task = subject.spec.task
    if task == RECOMMENDATION:
        problems.append(_predict_problem(subject, model, "a user with no history", UNKNOWN_USER))
    for what, example in degenerate_examples(task, examples[0]):
        problems.append(_forward_problem(subject, model, what, [example, *examples[1:]]))
        problems.append(_predict_problem(subject, model, what, raw_input(task, example)))
    if task in (TEXT_CLASSIFICATION, TEXT_GENERATION):
        problems.append(_all_padding_problem(subject, model, batch))
    found = [p for p in problems if p]
    if found:
        raise fail(
            subject,
            "degenerate inputs must give finite outputs of the right shape, or a clear BadInputError",
            "; ".join(found),
            "clamp counts that can be zero, keep one attention key unmasked, or raise BadInputError for what you refuse",
        )


def _modes(module: Any) -> dict[str, bool]:
    return {name or "(module)": sub.training for name, sub in module.named_modules()}


@check(level="recommended", kind="model", applies_to="every test preset")
def check_model_keeps_training_modes(subject: ModelSubject, *, preset: str) -> None:
    """``module(**batch)`` and ``predict`` leave ``module.training``, and every submodule's, as they found them.

    The check runs both in train mode and in eval mode. Why: the engine sets the mode once
    per phase; a forward that calls ``self.eval()``, or a ``predict`` that ends with
    ``module.train()``, silently trains without dropout or evaluates with it -- even
    when the test preset's dropout is 0 and no output shows it. Fix: never change modes
    in forward; in ``predict``, remember ``was_training = module.training`` and restore it
    with ``module.train(was_training)`` in a ``finally``.

    Recommended in suite 1.1 and required from 1.2: a new required check arrives as recommended for
    one minor release (GOVERNANCE.md).
    """
    model = subject.build(preset)
    examples = sample_examples(task := subject.spec.task, subject.dataset, 3)
    batch = collate(subject, model, examples)
    changed = []
    for training in (True, False):
        model.module.train(training)
        before = _modes(model.module)
        steps = (
            ("module(**batch)", lambda: forward(subject, model.module, batch)),
            ("predict", lambda: _predict_problem(subject, model, "raw inputs", raw_input(task, examples[0]))),
        )
        for what, run in steps:
            run()
            after = _modes(model.module)
            flipped = [name for name, mode in after.items() if before.get(name) != mode]
            if flipped:
                shown = ", ".join(flipped[:4]) + (f" (and {len(flipped) - 4} more)" if len(flipped) > 4 else "")
                state = "train" if training else "eval"
                changed.append(f"{what} in {state} mode flipped {shown}")
                model.module.train(training)
                before = _modes(model.module)
    if changed:
        raise fail(
            subject,
            "forward and predict must leave the training mode of every module unchanged",
            "; ".join(changed),
            "restore the mode predict found (module.train(was_training) in a finally); never set modes in forward",
        )


class EmptyTraining:
    """A view of ``source`` whose training split (its first) holds no example; the other splits are its own."""

    def __init__(self, source: Any) -> None:
        self._source = source
        #: The source's info, unchanged.
        self.info: Mapping[str, Any] = source.info

    def splits(self) -> Any:
        return self._source.splits()

    def load(self, split: str) -> Any:
        return [] if split == self._source.splits()[0] else self._source.load(split)


@check(kind="model", level="recommended", applies_to="every test preset")
def check_model_refuses_an_empty_training_split(subject: ModelSubject, *, preset: str) -> None:
    """``create`` on a dataset whose training split is empty refuses it by name, or builds a model that works.

    The view of the test dataset keeps its info and every split but the training one (the
    first), which is empty. ``create`` must raise :class:`openzoo.BadInputError` (a
    ``ValueError`` is accepted too) whose message names that split as a whole word (``'train'``,
    not ``training``); a model that reads no data to build (a fixed vocabulary, labels from
    ``info``) may build instead, and must then run the test examples forward with a finite loss.

    Why: a user's file with only test rows, a split column misspelled, a filter that drops
    every example: ``create`` is where the tokenizer is trained and the ids are counted, and a
    guard written ``len(train) < 0`` or one naming the wrong split sends the user looking in
    the wrong place, while a mean over no ratings builds a model of NaN. Fix: test
    ``len(dataset.load(split)) == 0`` first and raise ``BadInputError`` naming the split.

    Recommended in suite 1.10: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    import torch

    view = EmptyTraining(subject.dataset)
    split = str(view.splits()[0])
    torch.manual_seed(0)
    try:
        model = subject.resolve().create(config=dict(subject.preset(preset).config), dataset=view)
    except ValueError as exc:
        if not names_option(str(exc), split):
            raise fail(
                subject,
                f"the refusal of an empty training split must name it ({split!r})",
                f"{type(exc).__name__}: {str(exc)[:200]}",
                "say which split is empty: raise BadInputError(f'the training split {split!r} is empty')",
            ) from exc
        return
    except Exception as exc:
        raise fail(
            subject,
            "create on a dataset with an empty training split must refuse it with BadInputError",
            f"{type(exc).__name__}: {str(exc)[:200]}",
            "test len(dataset.load(split)) == 0 before reading the examples, and raise BadInputError naming the split",
        ) from exc
    model.module.eval()
    batch = collate(subject, model, sample_examples(subject.spec.task, subject.dataset, 3))
    loss = forward(subject, model.module, batch).get("loss")
    if loss is None or loss.ndim != 0 or not math.isfinite(float(loss)):
        raise fail(
            subject,
            "a model built on a dataset with an empty training split must work, or create must refuse the dataset",
            f"loss {None if loss is None else loss.detach()} on the test examples",
            f"refuse the empty split {split!r} with BadInputError, or build without reading it",
        )
