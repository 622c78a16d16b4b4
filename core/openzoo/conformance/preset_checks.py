"""Declarations the test presets never exercise: every preset's training defaults, and heads sized from the data.

The suite runs only test presets on one test dataset; a negative learning rate in
the ``default`` preset, or a classifier head hard-coded to the test dataset's two
classes, passes everything else and fails the first real user.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from openzoo.conformance.declaration import check, fail
from openzoo.conformance.model_runtime import collate, forward
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import raw_input, sample_examples

__all__ = ["EXTRA_CLASS", "check_model_presets_declare_valid_training", "check_model_sizes_head_from_dataset_labels"]

#: The class added to the test dataset's labels by the head-sizing check.
EXTRA_CLASS = "openzoo-extra-class"

#: Training default -> (rule in words, test).
_TRAINING_RULES = {
    "epochs": ("a whole number >= 1", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1),
    "max_steps": ("a whole number >= 1", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1),
    "batch_size": ("a whole number >= 1", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1),
    "lr": ("a finite number > 0", lambda v: isinstance(v, (int, float)) and math.isfinite(v) and v > 0),
    "warmup_ratio": ("a number in [0, 1)", lambda v: isinstance(v, (int, float)) and 0 <= v < 1),
    "weight_decay": ("a finite number >= 0", lambda v: isinstance(v, (int, float)) and math.isfinite(v) and v >= 0),
}


@check(kind="model", applies_to="every model (all its presets)")
def check_model_presets_declare_valid_training(subject: ModelSubject) -> None:
    """Every preset's training defaults are valid: ``lr`` > 0, ``batch_size`` and ``epochs`` >= 1, ``warmup_ratio`` in [0, 1).

    Why: only test presets are trained by the suite; a typo in the ``default`` or
    ``large`` preset (a negative or zero learning rate, a warm-up ratio of 3) reaches
    users of ``openzoo train`` unseen. Fix: correct the value in the preset's ``training``.
    """
    problems = [
        f"preset {preset.name!r}: {key}={value!r} must be {rule}"
        for preset in subject.spec.presets
        for key, value in preset.training.items()
        if key in _TRAINING_RULES
        for rule, valid in [_TRAINING_RULES[key]]
        if not valid(value)
    ]
    if problems:
        raise fail(
            subject,
            "every preset's training defaults must be valid",
            "; ".join(problems),
            "fix the preset's training mapping",
        )


class _MoreClasses:
    """The test dataset with one more class name in ``info['labels']`` (no example uses it)."""

    def __init__(self, source: Any) -> None:
        self._source = source
        info = dict(source.info)
        info["labels"] = [*info["labels"], EXTRA_CLASS]
        self.info: Mapping[str, Any] = info

    def splits(self) -> Sequence[str]:
        return self._source.splits()

    def load(self, split: str) -> Sequence[Any]:
        return self._source.load(split)


@check(kind="model", applies_to="test presets of classification models")
def check_model_sizes_head_from_dataset_labels(subject: ModelSubject, *, preset: str) -> None:
    """Built on the test dataset with one more class, the model gives one more logit and can predict that class.

    Why: a head hard-coded to the test dataset's number of classes (``num_labels=2``), a
    label check that wants exactly two classes, or labels stored from somewhere else than
    ``dataset.info['labels']`` passes on the test dataset and breaks on the user's data.
    Fix: size the head with ``len(dataset.info['labels'])`` and keep those names as the
    model's labels.
    """
    factory = subject.resolve()
    wider = _MoreClasses(subject.dataset)
    config = dict(subject.preset(preset).config)
    try:
        model = factory.create(config=config, dataset=wider)
    except Exception as exc:
        raise fail(
            subject,
            f"create must accept a dataset of {len(wider.info['labels'])} classes",
            f"{type(exc).__name__}: {exc}",
            "size the head from len(dataset.info['labels'])",
        ) from exc
    model.module.eval()
    examples = sample_examples(subject.spec.task, subject.dataset, 2)
    logits = forward(subject, model.module, collate(subject, model, examples)).get("logits")
    want = len(wider.info["labels"])
    if logits is None or logits.shape[-1] != want:
        raise fail(
            subject,
            "the head must have one logit per class of dataset.info['labels']",
            f"logits of shape {None if logits is None else tuple(logits.shape)} for {want} classes",
            "size the head with len(dataset.info['labels'])",
        )
    records = model.predict([raw_input(subject.spec.task, e) for e in examples])
    outside = [r.get("label") for r in records if r.get("label") not in wider.info["labels"]]
    if outside:
        raise fail(
            subject,
            "predicted labels must come from dataset.info['labels']",
            f"{outside} for classes {wider.info['labels']}",
            "store the dataset's class names in the model",
        )
