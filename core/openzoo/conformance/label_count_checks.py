"""Label-count boundaries: a classifier works with exactly two classes, the fewest a dataset may have.

The suite's test datasets have two to ten classes; a check that wants more than two
(``len(labels) == 2`` refused, a binary special case that breaks the loss) passes on
every dataset with more, and fails the first user with a yes/no dataset.
"""

from __future__ import annotations

import math
from typing import Any

from openzoo.conformance.declaration import check, fail
from openzoo.conformance.model_runtime import collate, create_on, forward
from openzoo.conformance.relabelled_data import two_classes
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import raw_input

__all__ = ["PER_CLASS", "check_model_trains_and_predicts_with_two_classes"]

#: Examples of each of the two classes in the probe batch.
PER_CLASS = 2


def _examples_of_both_classes(dataset: Any) -> list[dict[str, Any]]:
    examples = dataset.load(dataset.splits()[0])
    chosen: dict[int, list[dict[str, Any]]] = {0: [], 1: []}
    for index in range(min(len(examples), 256)):
        example = dict(examples[index])
        bucket = chosen[int(example["label"])]
        if len(bucket) < PER_CLASS:
            bucket.append(example)
    return chosen[0] + chosen[1]


@check(kind="model", level="recommended", applies_to="test presets of classification models")
def check_model_trains_and_predicts_with_two_classes(subject: ModelSubject, *, preset: str) -> None:
    """Built on the test dataset cut to its first two classes, the model trains a step and predicts them.

    The view keeps the examples of the first two classes and ``info['labels']`` of those
    two; ``create`` must build on it, a batch of both classes must give two logits per
    example and a finite scalar loss whose gradient reaches the model, one optimizer step
    must keep the loss finite, and ``predict`` must name only the two classes.

    Why: two classes is the smallest dataset a classifier takes and the commonest (yes /
    no, spam / ham); a label check that wants more than two, or a binary special case (one
    logit, a sigmoid loss fed class ids) passes on the suite's larger datasets. Fix: accept
    ``len(labels) >= 2`` and keep one logit per class whatever their number.
    """
    import torch

    dataset = two_classes(subject.dataset)
    labels = list(dataset.info["labels"])
    examples = _examples_of_both_classes(dataset)
    if len({int(e["label"]) for e in examples}) < 2:
        raise fail(subject, "the test dataset must have examples of its first two classes", labels, "fix it")
    model = create_on(
        subject,
        preset,
        dataset,
        expected="create must accept a dataset of exactly two classes",
        fix="accept len(dataset.info['labels']) >= 2",
    )
    model.module.train()
    batch = collate(subject, model, examples)
    outputs = forward(subject, model.module, batch, grad=True)
    logits, loss = outputs.get("logits"), outputs.get("loss")
    problems = []
    if logits is None or logits.shape[-1] != 2:
        problems.append(f"logits of shape {None if logits is None else tuple(logits.shape)} for 2 classes")
    if loss is None or loss.ndim != 0 or not math.isfinite(float(loss.detach())):
        problems.append(f"loss {None if loss is None else loss.detach()} (a finite scalar expected)")
    else:
        parameters = [p for p in model.module.parameters() if p.requires_grad]
        loss.backward()
        if not any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in parameters):
            problems.append("the loss gives no gradient")
        torch.optim.SGD(parameters, lr=0.01).step()
        after = forward(subject, model.module, batch).get("loss")
        if after is None or not math.isfinite(float(after)):
            problems.append(f"loss {after} after one optimizer step")
    model.module.eval()
    try:
        records = model.predict([raw_input(subject.spec.task, e) for e in examples])
        named = {str(r.get("label")) for r in records} | {str(k) for r in records for k in (r.get("scores") or {})}
        if named - set(labels):
            problems.append(f"predict named {sorted(named - set(labels))}, not one of {labels}")
    except Exception as exc:  # noqa: BLE001 -- reported as the problem
        problems.append(f"predict raised {type(exc).__name__}: {exc}")
    if problems:
        raise fail(
            subject,
            "a classifier must train and predict on a dataset of exactly two classes",
            "; ".join(problems),
            "keep one logit per class of dataset.info['labels'], whatever their number (two included)",
        )
