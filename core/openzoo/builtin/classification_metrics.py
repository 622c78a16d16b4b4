"""Classification metrics: accuracy and macro-F1 over ``outputs["logits"]`` and ``batch["labels"]``.

The predicted class is ``logits.argmax(-1)``; on an exact tie between class
scores the lowest class index wins (:func:`torch.argmax`). Labels must be class
indices in ``[0, num_classes)``; the number of classes is ``len(info["labels"])``
when the dataset names its labels, else the width of the logits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import torch
from torchmetrics.functional.classification import multiclass_f1_score
from torchmetrics.utilities import dim_zero_cat

from openzoo.builtin.metric_base import TaskMetric, read_tensor
from openzoo.errors import BadInputError

__all__ = ["Accuracy", "MacroF1"]

_LOGITS = "float tensor [batch, num_classes]"
_LABELS = "long tensor [batch] of class indices"


def predictions_and_labels(
    metric: str, num_classes: int | None, outputs: Mapping[str, Any], batch: Mapping[str, Any]
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Check the shapes and values of one batch; return (predicted class, label, number of classes)."""
    logits = read_tensor(metric, "outputs", outputs, "logits", _LOGITS)
    labels = read_tensor(metric, "batch", batch, "labels", _LABELS)
    if logits.ndim != 2 or labels.ndim != 1 or logits.shape[0] != labels.shape[0]:
        raise BadInputError(
            f"metric {metric!r} needs logits [batch, num_classes] and labels [batch]; "
            f"got logits {tuple(logits.shape)} and labels {tuple(labels.shape)}"
        )
    if logits.is_floating_point() is False or labels.is_floating_point():
        raise BadInputError(
            f"metric {metric!r} needs float logits and integer labels; got {logits.dtype} and {labels.dtype}"
        )
    width = logits.shape[1]
    if num_classes is not None and width != num_classes:
        raise BadInputError(
            f"metric {metric!r}: logits have {width} columns but the dataset has {num_classes} labels; "
            "size the model's head from len(dataset.info['labels'])"
        )
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= width):
        raise BadInputError(
            f"metric {metric!r}: labels must be class indices in [0, {width}); "
            f"got values from {int(labels.min())} to {int(labels.max())}"
        )
    return logits.argmax(dim=1), labels.long(), width


class Accuracy(TaskMetric):
    """Fraction of examples whose top-scoring class is the true class (micro accuracy).

    States: the number of correct predictions and of examples, both summed.
    """

    metric_name: ClassVar[str] = "accuracy"
    higher_is_better: ClassVar[bool] = True

    def __init__(self, num_classes: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Number of classes the logits must have; ``None`` accepts any width.
        self.num_classes = num_classes
        self.add_state("correct", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")
        self.add_state("total", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, outputs: Mapping[str, Any], batch: Mapping[str, Any]) -> None:
        """Add one batch of ``outputs["logits"]`` [B, C] and ``batch["labels"]`` [B]."""
        predicted, labels, _ = predictions_and_labels(self.metric_name, self.num_classes, outputs, batch)
        self.correct += (predicted == labels).sum().to(self.correct.device)
        self.total += labels.numel()

    def _count(self) -> torch.Tensor:
        return self.total

    def _value(self) -> torch.Tensor:
        return self.correct.double() / self.total.double()


class MacroF1(TaskMetric):
    """F1 score averaged over classes with equal weight, as ``sklearn.metrics.f1_score(average="macro")``.

    Classes that occur neither among the labels nor among the predictions are left
    out of the average, and a class with no true positives scores 0 (sklearn's
    ``zero_division=0``). The states are the predicted classes and labels, gathered
    (``cat``) across batches and ranks: two integers per example. The score itself
    is :func:`torchmetrics.functional.classification.multiclass_f1_score`.
    """

    metric_name: ClassVar[str] = "f1_macro"
    higher_is_better: ClassVar[bool] = True

    def __init__(self, num_classes: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Number of classes the logits must have; ``None`` takes it from the logits.
        self.num_classes = num_classes
        self.add_state("predicted", default=[], dist_reduce_fx="cat")
        self.add_state("labels", default=[], dist_reduce_fx="cat")
        self.add_state("width", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="max")

    def update(self, outputs: Mapping[str, Any], batch: Mapping[str, Any]) -> None:
        """Add one batch of ``outputs["logits"]`` [B, C] and ``batch["labels"]`` [B]."""
        predicted, labels, width = predictions_and_labels(self.metric_name, self.num_classes, outputs, batch)
        if labels.numel() == 0:
            return
        self.predicted.append(predicted)
        self.labels.append(labels)
        self.width = torch.clamp(self.width, min=width)

    def _count(self) -> int:
        labels = self.labels
        return int(labels.numel()) if isinstance(labels, torch.Tensor) else sum(int(t.numel()) for t in labels)

    def _value(self) -> torch.Tensor:
        num_classes = self.num_classes or int(self.width)
        predicted, labels = dim_zero_cat(self.predicted), dim_zero_cat(self.labels)
        return multiclass_f1_score(
            predicted.to(labels.device), labels, num_classes=num_classes, average="macro", validate_args=False
        )
