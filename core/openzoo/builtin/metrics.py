"""The builtin metric factories that core's :class:`~openzoo.MetricSpec` entries name.

Each factory has the signature ``name(info, **options)`` of
:data:`openzoo.protocols.MetricFactory`: ``info`` is the dataset's
:attr:`~openzoo.protocols.DatasetSource.info` and ``options`` the metric's options
(``k`` for ranking metrics). It returns a fresh :class:`torchmetrics.Metric` whose
``update(outputs, batch)`` reads the task's keys (see :mod:`openzoo.tasks`) and whose
``compute()`` returns a float; the classes live in the ``*_metrics`` modules next to
this one. :func:`display_name` renders a metric and its options for reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openzoo.builtin.classification_metrics import Accuracy, MacroF1
from openzoo.builtin.language_metrics import BitsPerChar, Perplexity
from openzoo.builtin.metric_base import class_count
from openzoo.builtin.recommendation_metrics import NDCG, HitRate, MeanAbsoluteRatingError, RootMeanSquaredRatingError
from openzoo.errors import BadInputError

__all__ = [
    "accuracy",
    "bits_per_char",
    "display_name",
    "f1_macro",
    "hit_rate",
    "mae",
    "ndcg",
    "perplexity",
    "rmse",
]

#: Default length of the ranked list for ``hr`` and ``ndcg`` (the spec's ``k`` option default).
DEFAULT_K = 10


def _check_options(metric: str, options: Mapping[str, Any], allowed: tuple[str, ...] = ()) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        accepted = f"it accepts only {', '.join(allowed)}" if allowed else "it takes no options"
        raise BadInputError(f"metric {metric!r} got unknown option(s) {', '.join(unknown)}; {accepted}")


def accuracy(info: Mapping[str, Any] | None = None, **options: Any) -> Accuracy:
    """Return a metric of the fraction of examples whose top class is the true class."""
    _check_options("accuracy", options)
    return Accuracy(num_classes=class_count("accuracy", info))


def f1_macro(info: Mapping[str, Any] | None = None, **options: Any) -> MacroF1:
    """Return a metric of F1 averaged over classes with equal weight (sklearn's ``average="macro"``)."""
    _check_options("f1_macro", options)
    return MacroF1(num_classes=class_count("f1_macro", info))


def perplexity(info: Mapping[str, Any] | None = None, **options: Any) -> Perplexity:
    """Return a metric of ``exp(mean next-token cross-entropy)`` per token."""
    _check_options("perplexity", options)
    return Perplexity()


def bits_per_char(info: Mapping[str, Any] | None = None, **options: Any) -> BitsPerChar:
    """Return a metric of total next-token cross-entropy in bits per character of text."""
    _check_options("bits_per_char", options)
    return BitsPerChar()


def rmse(info: Mapping[str, Any] | None = None, **options: Any) -> RootMeanSquaredRatingError:
    """Return a metric of the root mean squared error of predicted ratings."""
    _check_options("rmse", options)
    return RootMeanSquaredRatingError()


def mae(info: Mapping[str, Any] | None = None, **options: Any) -> MeanAbsoluteRatingError:
    """Return a metric of the mean absolute error of predicted ratings."""
    _check_options("mae", options)
    return MeanAbsoluteRatingError()


def hit_rate(info: Mapping[str, Any] | None = None, *, k: int = DEFAULT_K, **options: Any) -> HitRate:
    """Return a metric of HR@k: the fraction of held-out items ranked in the top ``k`` of all items."""
    _check_options("hr", options, ("k",))
    return HitRate(k=k)


def ndcg(info: Mapping[str, Any] | None = None, *, k: int = DEFAULT_K, **options: Any) -> NDCG:
    """Return a metric of NDCG@k of the held-out item ranked over all items."""
    _check_options("ndcg", options, ("k",))
    return NDCG(k=k)


def display_name(spec_name: str, options: Mapping[str, Any] | None = None) -> str:
    """Return how reports show a metric: ``k`` as ``@k``, other options in parentheses.

    Pass the options with their defaults filled in, so that ``hr`` shows its list length::

        >>> display_name("hr", {"k": 10})
        'hr@10'
        >>> display_name("accuracy", {})
        'accuracy'
        >>> display_name("recall", {"k": 5, "average": "macro"})
        'recall@5(average=macro)'
    """
    rest = dict(options or {})
    k = rest.pop("k", None)
    name = spec_name if k is None else f"{spec_name}@{k}"
    if rest:
        name += "(" + ",".join(f"{key}={rest[key]}" for key in sorted(rest)) + ")"
    return name
