"""Task semantics: what ``predict`` says must agree with the model and the dataset.

A classifier's predicted label is a class of the dataset, the one its logits rank
first, with the probability the logits give it; a Hugging Face classifier's
``id2label`` names the dataset's classes in order. A recommender recommends items
of the catalogue that the user has not rated, best first, each once. ``collate`` is
the gate of the loss: a target outside the model's label space is refused there.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from openzoo.conformance.declaration import CheckSkipped, check, fail
from openzoo.conformance.model_checks import prepared
from openzoo.conformance.model_runtime import collate, forward, max_error
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import raw_input
from openzoo.errors import BadInputError
from openzoo.tasks import IMAGE_CLASSIFICATION, RECOMMENDATION, TEXT_CLASSIFICATION

__all__ = [
    "LABEL_SPACE_TASKS",
    "SCORE_TOLERANCE",
    "UNKNOWN_ID",
    "USERS_PROBED",
    "batches_outside_label_space",
    "check_model_collate_refuses_targets_outside_its_label_space",
    "check_model_predict_agrees_with_logits",
    "check_model_recommends_unseen_items",
]

#: Allowed difference between a predicted probability and the softmax of the logits.
SCORE_TOLERANCE = 1e-4
_INPUT_KEY = {"text-classification": "text", "image-classification": "image"}
#: The most users of the training split ``check_model_recommends_unseen_items`` asks for recommendations.
USERS_PROBED = 512
#: Tasks whose targets have a label space (class indices, known users and items) that ``collate`` guards.
LABEL_SPACE_TASKS = (TEXT_CLASSIFICATION, IMAGE_CLASSIFICATION, RECOMMENDATION)
#: A user or item id no dataset holds.
UNKNOWN_ID = "openzoo-conformance-unknown-id"


def _labels(subject: ModelSubject) -> list[str]:
    return [str(label) for label in subject.dataset.info["labels"]]


def _check_id2label(subject: ModelSubject, module: Any, labels: list[str]) -> None:
    config = getattr(module, "config", None)
    id2label = getattr(config, "id2label", None)
    if not id2label:
        return
    named = [str(id2label.get(i, id2label.get(str(i)))) for i in range(len(id2label))]
    if named != labels:
        raise fail(
            subject,
            "the model's config.id2label must name the dataset's classes in order",
            f"id2label {named} for the dataset's labels {labels}",
            "build the config with id2label=dict(enumerate(dataset.info['labels']))",
        )


@check(kind="model", applies_to="test presets of classification models")
def check_model_predict_agrees_with_logits(subject: ModelSubject, *, preset: str) -> None:
    """``predict`` gives each input the dataset class its logits rank first, with the softmax probability.

    Why: ``predict`` is what users see; a label list out of order, an off-by-one index,
    a score taken before the softmax or from the wrong column, or an ``id2label`` that
    names other classes all pass every shape check while every answer is wrong. Fix:
    take ``labels[argmax(logits)]`` and ``softmax(logits).max()``, with the labels from
    ``dataset.info['labels']`` stored in the model (``id2label`` for transformers models).
    """
    import torch

    model, _, examples = prepared(subject, preset, n=4)
    labels = _labels(subject)
    _check_id2label(subject, model.module, labels)
    key = _INPUT_KEY[subject.spec.task]
    inputs = [raw_input(subject.spec.task, e) for e in examples]
    raw_batch = collate(subject, model, [{key: x} for x in inputs])
    logits = forward(subject, model.module, raw_batch).get("logits")
    if max_error(forward(subject, model.module, raw_batch, seed=1).get("logits"), logits) > 0:
        raise CheckSkipped(
            "prerequisite check_model_eval_is_deterministic failed: logits are random in eval mode, so predict cannot be compared"
        )
    probabilities = torch.softmax(logits.detach().float(), dim=-1)
    records = model.predict(inputs)
    for row, record in enumerate(records):
        best = int(probabilities[row].argmax())
        want_label, want_score = labels[best], float(probabilities[row, best])
        label, score = record.get("label"), record.get("score")
        if label not in labels:
            raise fail(
                subject,
                "predicted labels must be classes of the dataset",
                f"label {label!r} for input {row}; classes {labels}",
                "map class indices through dataset.info['labels']",
            )
        close = isinstance(score, (int, float)) and math.isclose(score, want_score, abs_tol=SCORE_TOLERANCE)
        if label != want_label or not close:
            raise fail(
                subject,
                "predict must give the class the logits rank first, with its softmax probability",
                f"{label!r} ({score!r}) for input {row}; the logits give {want_label!r} ({want_score:.4g})",
                "take labels[argmax(logits)] and softmax(logits).max() from the same row",
            )
        ranked = [r["score"] for r in record.get("top_k", []) if isinstance(r, dict) and "score" in r]
        if any(a < b - SCORE_TOLERANCE for a, b in itertools.pairwise(ranked)):
            raise fail(subject, "ranked scores must be best first", f"{ranked} for input {row}", "sort descending")


def _rated(subject: ModelSubject) -> dict[str, set[str]]:
    source = subject.dataset
    rated: dict[str, set[str]] = {}
    for example in source.load(source.splits()[0]):
        rated.setdefault(str(example["user"]), set()).add(str(example["item"]))
    return rated


@check(kind="model", applies_to="test presets of recommendation models")
def check_model_recommends_unseen_items(subject: ModelSubject, *, preset: str) -> None:
    """``predict`` recommends catalogue items the user did not rate in training, each once, best first.

    Every user of the training split is asked (the :data:`USERS_PROBED` most active of a larger
    one; from suite 1.13, before the three most active), for as many items as the catalogue holds:
    a seen-items table whose last entry is lost shows only for the last user.

    Why: recommending what a user already rated inflates offline metrics and is useless
    to the user; a ranking that is not sorted, repeats items or names unknown ids breaks
    every consumer. Fix: mask the user's training items (score ``-inf``) before ``topk``
    and map indices back through the item vocabulary.
    """
    model = subject.build(preset)
    model.module.eval()
    rated = _rated(subject)
    items = {str(i) for i in subject.dataset.info.get("items", [])}
    names = {o.name for o in subject.spec.predict_options}
    options = {name: len(items) or 100 for name in ("top_k", "k") if name in names}
    users = sorted(rated, key=lambda u: (-len(rated[u]), u))[:USERS_PROBED]
    records = model.predict(users, **options)
    for user, record in zip(users, records):
        recommended = [str(entry["item"]) for entry in record.get("items", [])]
        scores = [float(entry["score"]) for entry in record.get("items", [])]
        problems = []
        if seen := sorted(set(recommended) & rated[user]):
            problems.append(f"items the user rated in training: {seen[:5]}")
        if len(set(recommended)) != len(recommended):
            problems.append("repeated items")
        if items and (unknown := sorted(set(recommended) - items)):
            problems.append(f"items outside the catalogue: {unknown[:5]}")
        if any(a < b for a, b in itertools.pairwise(scores)):
            problems.append(f"scores not best first: {scores[:6]}")
        if not recommended and len(rated[user]) < len(items):
            problems.append("no items although the user has unseen ones")
        if problems:
            raise fail(
                subject,
                "recommendations must be unseen catalogue items, each once, best first",
                f"user {user!r}: " + "; ".join(problems),
                "mask the user's training items before topk and map indices through the item ids",
            )


def _targets_outside(subject: ModelSubject) -> list[tuple[str, Any, str]]:
    """``(field, value, description)`` of each target outside the label space of the test dataset."""
    if subject.spec.task == RECOMMENDATION:
        unknown = [(field, UNKNOWN_ID, f"an unknown {field} {UNKNOWN_ID!r}") for field in ("user", "item")]
        return [*unknown, ("rating", "not a number", "the rating 'not a number'"), ("rating", math.nan, "a NaN rating")]
    count = len(_labels(subject))
    return [
        ("label", count, f"label {count} (the dataset has {count} classes, 0..{count - 1})"),
        ("label", -1, "label -1"),
        ("label", None, "label None"),
    ]


def batches_outside_label_space(
    subject: ModelSubject, examples: Sequence[Mapping[str, Any]]
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """``(description, batch)``: copies of ``examples`` whose last target lies outside the label space, one per target."""
    for field, value, description in _targets_outside(subject):
        damaged = [dict(example) for example in examples]
        damaged[-1][field] = value
        yield description, damaged


def _finite_loss(subject: ModelSubject, model: Any, batch: dict[str, Any]) -> str | None:
    """Run ``batch`` forward; return what went wrong unless it gives a finite scalar loss."""
    try:
        loss = forward(subject, model.module, batch).get("loss")
    except Exception as exc:  # noqa: BLE001 -- the error is the finding
        return f"the batch it gave then raised {type(exc).__name__} in forward: {str(exc)[:120]}"
    if loss is None or loss.ndim != 0 or not math.isfinite(float(loss)):
        return f"the batch it gave has loss {None if loss is None else loss.detach()}"
    return None


@check(
    kind="model",
    level="recommended",
    applies_to="test presets of classification and recommendation models",
)
def check_model_collate_refuses_targets_outside_its_label_space(subject: ModelSubject, *, preset: str) -> None:
    """``collate`` refuses a labelled example whose target lies outside the model's label space.

    The suite collates a few examples of the test dataset with the last one's target
    replaced: for a classifier by the label ``len(labels)`` (one past the last class), by
    ``-1`` and by ``None``; for a recommender by a user id and an item id the model does not
    know, a rating that is no number and a NaN rating. ``collate`` must raise
    :class:`openzoo.BadInputError` (from suite 1.11 a plain ``ValueError`` no longer passes:
    the command line reports it as a bug). A recommender may instead map unknown ids on
    purpose (a shared row for unseen users or items), or ignore ratings (implicit feedback):
    its batch must then run forward with a finite scalar loss.

    Why: ``collate`` is where the engine can still say which example is wrong. A class
    index out of range that reaches the loss fails with an ``IndexError`` traceback on
    CPU and with a device-side assert on CUDA, which leaves the process unusable; a
    guard written with ``<=`` for ``<``, or none, passes every dataset whose labels are
    right. Fix: check ``0 <= label < len(labels)`` (and that an id is known) while
    collating, and raise ``BadInputError`` naming the example.

    Recommended in suite 1.10: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    model, _, examples = prepared(subject, preset, n=3)
    problems = []
    for description, damaged in batches_outside_label_space(subject, examples):
        try:
            batch = model.collate(damaged)
        except BadInputError:
            continue
        except Exception as exc:  # noqa: BLE001 -- any other exception is the failure reported
            problems.append(f"{description}: collate raised {type(exc).__name__}: {str(exc)[:120]}")
            continue
        if subject.spec.task == RECOMMENDATION:
            problem = _finite_loss(subject, model, batch)
            if problem is not None:
                problems.append(f"{description}: collate accepted it and {problem}")
        else:
            problems.append(f"{description}: collate accepted it")
    if problems:
        raise fail(
            subject,
            "collate must refuse a target outside the model's label space with BadInputError",
            "; ".join(problems),
            "check 0 <= label < len(labels) (and that user and item ids are known) in collate, "
            "and raise openzoo.BadInputError naming the example",
        )
