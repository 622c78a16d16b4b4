"""The base class of the builtin metrics and the checks that read a task's keys.

Every builtin metric is a :class:`torchmetrics.Metric`, so its state is reduced
across ``torch.distributed`` ranks when it computes and can be combined with
``merge_state``. :class:`TaskMetric` adds what the openzoo contract asks on top:
``update(outputs, batch)`` reads the task's keys, ``compute()`` returns a Python
float and raises :class:`~openzoo.BadInputError` when nothing was added.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import torch
import torchmetrics

from openzoo.errors import BadInputError

__all__ = ["TaskMetric", "class_count", "read_tensor"]


class TaskMetric(torchmetrics.Metric):
    """A torchmetrics metric whose ``compute`` returns a float and refuses an empty state.

    Subclasses declare their states in ``__init__`` (sum-reduced wherever possible,
    so that streaming, merging and DDP reduction give the same value as one pass)
    and implement :meth:`update`, :meth:`_count` and :meth:`_value`.
    """

    #: The spec name of the metric, used in error messages (``accuracy``, ``hr``).
    metric_name: ClassVar[str] = "metric"
    #: Each update only adds to the state, so ``forward`` may reduce per batch.
    full_state_update: ClassVar[bool] = False
    #: No metric here is used as a training loss.
    is_differentiable: ClassVar[bool] = False

    def _count(self) -> torch.Tensor | int:
        """Return how many examples (or tokens, or characters) the state holds."""
        raise NotImplementedError

    def _value(self) -> torch.Tensor | float:
        """Return the metric over the (already reduced) state; called only when :meth:`_count` > 0."""
        raise NotImplementedError

    def compute(self) -> float:
        """Return the metric over everything added since the last reset, as a Python float.

        :raises BadInputError: when no example was added.
        """
        if int(self._count()) == 0:
            raise BadInputError(
                f"metric {self.metric_name!r}: no examples were added before compute(); "
                "call update(outputs, batch) with at least one non-empty batch first"
            )
        return float(self._value())

    def merge_state(self, incoming_state: Mapping[str, Any] | torchmetrics.Metric) -> None:
        """Add another metric's state (or a state dict) to this one, as DDP reduction would.

        Unlike the torchmetrics default, a value cached by an earlier ``compute`` is
        dropped, so the next ``compute`` sees the merged state.
        """
        super().merge_state(dict(incoming_state) if isinstance(incoming_state, Mapping) else incoming_state)
        self._computed = None


def read_tensor(metric: str, where: str, container: Mapping[str, Any], key: str, purpose: str) -> torch.Tensor:
    """Return ``container[key]`` as a detached tensor, or raise a :class:`BadInputError` naming the key.

    :param metric: the metric's spec name, for the message.
    :param where: ``outputs`` or ``batch``, for the message.
    :param purpose: what the key should hold, quoted from the task's schema.
    """
    value = container.get(key) if isinstance(container, Mapping) else getattr(container, key, None)
    if value is None:
        present = sorted(container) if isinstance(container, Mapping) else []
        raise BadInputError(
            f"metric {metric!r} needs {where}[{key!r}] ({purpose}); {where} has keys {present}. "
            "Return it from the model (outputs) or from collate (batch)"
        )
    if not isinstance(value, torch.Tensor):
        raise BadInputError(f"metric {metric!r}: {where}[{key!r}] must be a torch.Tensor, got {type(value).__name__}")
    return value.detach()


def class_count(metric: str, info: Mapping[str, Any] | None) -> int | None:
    """Return ``len(info["labels"])``, or ``None`` when the dataset does not name its labels."""
    labels = (info or {}).get("labels")
    if labels is None:
        return None
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__") or len(labels) < 1:
        raise BadInputError(
            f"metric {metric!r}: info['labels'] must be a non-empty list of class names, got {labels!r}"
        )
    return len(labels)
