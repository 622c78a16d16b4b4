"""Declared defaults: what ``openzoo info`` documents must be what a Python caller gets.

A spec declares each option's default (``Option.default``); the loader function and
``predict`` have their own keyword defaults. The command line passes the declared
ones, so a Python caller (``load_ratings()``, ``model.predict(users)``) is the only one
who meets a keyword default that drifted, such as a validation fraction of ``-0.9``
or ``1.05`` instead of the documented ``0.1`` or ``0.05``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from openzoo.conformance.declaration import check, fail
from openzoo.conformance.subjects import DatasetSubject, ModelSubject

__all__ = [
    "check_dataset_loader_defaults_match_declared_options",
    "check_model_predict_defaults_match_declared_options",
    "default_mismatches",
]


def _normal(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def default_mismatches(function: Callable[..., Any] | None, options: Sequence[Any]) -> list[str]:
    """Return ``name: declared X, keyword default Y`` for each option whose two defaults differ.

    Compared only where both exist: an option declared with default ``None`` ("the
    component decides") and a keyword default of ``None`` (decided inside) are skipped.
    """
    if function is None:
        return []
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return []
    problems = []
    for option in options:
        parameter = parameters.get(option.name)
        if option.default is None or parameter is None:
            continue
        if parameter.default is inspect.Parameter.empty or parameter.default is None:
            continue
        declared, actual = _normal(option.default), _normal(parameter.default)
        if declared != actual or type(declared) is bool is not type(actual):
            problems.append(f"{option.name}: declared {option.default!r}, keyword default {parameter.default!r}")
    return problems


@check(kind="dataset", applies_to="every dataset")
def check_dataset_loader_defaults_match_declared_options(subject: DatasetSubject) -> None:
    """The loader's keyword defaults equal the declared ``Option.default`` of the same options.

    Why: ``openzoo info`` and the docs show the declared default and the command line
    passes it, but a Python caller of the loader gets the keyword default; when the two
    drift apart (a fraction typed ``-0.9``, a seed of ``-1``) only Python users meet the
    wrong one, and no check run through the command line sees it. Fix: make the keyword
    default equal the declared one (or declare ``None`` and decide inside the loader).
    """
    problems = default_mismatches(subject.resolve(), subject.spec.options)
    if problems:
        raise fail(
            subject,
            "the loader's keyword defaults must equal the declared option defaults",
            "; ".join(problems),
            "make the keyword default equal Option.default",
        )


@check(kind="model", applies_to="models that declare predict options")
def check_model_predict_defaults_match_declared_options(subject: ModelSubject) -> None:
    """``predict``'s keyword defaults equal the declared ``Option.default`` of the predict options.

    Why: the same drift as for loaders: ``openzoo predict`` passes the declared default,
    ``model.predict(inputs)`` in Python gets the keyword default. Fix: make them equal.
    """
    problems = default_mismatches(getattr(subject.resolve(), "predict", None), subject.spec.predict_options)
    if problems:
        raise fail(
            subject,
            "predict's keyword defaults must equal the declared predict option defaults",
            "; ".join(problems),
            "make the keyword default equal Option.default",
        )
