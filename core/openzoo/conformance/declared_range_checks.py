"""Declared ranges wider than the code accepts: a value at each declared bound must be accepted.

:func:`~openzoo.conformance.option_checks.check_model_refuses_option_values_outside_their_bounds`
probes just outside each declared bound; this module probes the other side of the same edge: the
bound itself when it is inclusive, the nearest value inside it when it is open. A range declared
wider than the code accepts (``minimum=1`` where the code needs 2) lets the command line pass a
value the plugin then refuses or crashes on.

A value may be refused for another option's sake (a width must be divisible by the number of
heads, two fractions must leave data to train on). When the refusal is a ``BadInputError`` (any
``ValueError``) that names another declared option, the value is tried again with that option
moved to a value that may suit it (the probed value itself, its own bounds, its default, its
choices); when none suits, the value is left unjudged and the reason recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from openzoo.conformance.declaration import CheckSkipped, check, fail
from openzoo.conformance.model_runtime import model_inputs
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import raw_input, sample_examples
from openzoo.specs import Option

__all__ = [
    "INSIDE_STEP",
    "Outcome",
    "at_bound_values",
    "check_model_accepts_option_values_at_their_bounds",
    "inside_values",
    "judge",
    "names_option",
    "try_value",
]

#: How far inside an open float bound the probe goes, relative to the bound's magnitude (at least 1).
#: ``math.nextafter`` would give values such as 5e-324 that no arithmetic survives.
INSIDE_STEP = 1e-6


def _as_value(option: Option, value: Any, like: Any = None) -> Any:
    """``value`` in the option's type; for a list option, a list of it as long as ``like`` (else the default, else 1)."""
    value = int(value) if option.element_type == "int" else float(value)
    if not option.type.startswith("list["):
        return value
    shape = like if isinstance(like, (list, tuple)) and like else option.default or (value,)
    return [value] * len(shape)


def at_bound_values(option: Option, like: Any = None) -> list[Any]:
    """Return, for each declared bound, the value the range allows closest to it.

    An inclusive bound gives itself; an open bound the next integer inside it, or for a float the
    bound moved inside by :data:`INSIDE_STEP` of its magnitude (at least ``INSIDE_STEP``). A list
    option gets a list of that value as long as ``like`` (the value it replaces), else its default:
    the bound is on each element, not on how many there are.
    """
    values = []
    for bound, is_open, inward in ((option.minimum, option.min_open, 1), (option.maximum, option.max_open, -1)):
        if bound is None:
            continue
        value: float = bound
        if is_open:
            step = 1 if option.element_type == "int" else INSIDE_STEP * max(1.0, abs(bound))
            value = bound + inward * step
        if option.in_range(value):
            values.append(_as_value(option, value, like))
    return values


def inside_values(option: Option) -> list[Any]:
    """Return a value or two well inside a bounded number option's range, other than its default.

    Half-way between the default and each declared bound; without a default, the middle of the
    range, or one step (1, or 0.5 for a float) inside a single bound. List options give none.
    """
    if option.type.startswith("list[") or (option.minimum is None and option.maximum is None):
        return []
    low, high, default = option.minimum, option.maximum, option.default
    if default is not None:
        points = [(bound + default) / 2 for bound in (low, high) if bound is not None]
    elif low is not None and high is not None:
        points = [(low + high) / 2]
    else:
        step = 1 if option.element_type == "int" else 0.5
        points = [low + step] if low is not None else [high - step]  # type: ignore[operator]
    values = []
    for point in points:
        value = _as_value(option, round(point) if option.element_type == "int" else point)
        if value != default and option.in_range(value) and value not in values:
            values.append(value)
    return values


def names_option(text: str, name: str) -> bool:
    """Return whether ``text`` names the option ``name`` as a whole identifier (``test`` is not in ``test_size``)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None


def _suits(option: Option, value: Any) -> bool:
    element = option.element_type
    if isinstance(value, bool) or option.type.startswith("list["):
        return False
    if element == "int" and not isinstance(value, int):
        return False
    if element not in ("int", "float") or not isinstance(value, (int, float)):
        return False
    return option.in_range(value) and (not option.choices or value in option.choices)


def _adjustments(other: Option, value: Any) -> Iterator[Any]:
    """Values of ``other`` worth retrying with: the probed value, its bounds, its default, its choices."""
    seen: list[Any] = []
    for candidate in ([value] if _suits(other, value) else []) + [
        *at_bound_values(other),
        other.default,
        *other.choices,
    ]:
        if candidate is not None and candidate not in seen:
            seen.append(candidate)
            yield candidate


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one probed value came to: accepted, a problem, or unjudged because of a conflict."""

    #: Why the value counts against the declared range (``None``: no problem).
    problem: str | None = None
    #: The refusal naming another option that no adjustment of it satisfied (``None``: none).
    conflict: str | None = None


def _error(call: Callable[[dict[str, Any]], Any], overrides: dict[str, Any]) -> Exception | None:
    try:
        call(overrides)
    except Exception as exc:  # noqa: BLE001 -- the caller judges what was raised
        return exc
    return None


def try_value(
    call: Callable[[dict[str, Any]], Any], option: Option, value: Any, declared: Iterable[Option], what: str
) -> Outcome:
    """Run ``call({option.name: value})``: accepted, or refused for another declared option's sake, or a problem.

    ``what`` says what the call does (``create``, ``predict``, ``load``) for the report.
    """
    overrides = {option.name: value}
    error = _error(call, overrides)
    if error is None:
        return Outcome()
    others = [o for o in declared if o.name != option.name and names_option(str(error), o.name)]
    if isinstance(error, ValueError) and others:
        for other in others:
            for candidate in _adjustments(other, value):
                if _error(call, {**overrides, other.name: candidate}) is None:
                    return Outcome()
        return Outcome(conflict=f"{option.name}={value!r} refused for {', '.join(o.name for o in others)}: {error}")
    return Outcome(
        problem=f"{what} with {option.name}={value!r} (declared {option.range_text()}) raised "
        f"{type(error).__name__}: {str(error)[:160]}"
    )


def judge(subject: Any, outcomes: Sequence[Outcome], where: str) -> None:
    """Fail on any problem; skip when every probed value was left unjudged by a conflict; else pass."""
    problems = [o.problem for o in outcomes if o.problem]
    if problems:
        raise fail(
            subject,
            f"a value at a declared bound of {where} must be accepted",
            "; ".join(problems),
            "accept every value the declared range allows, or declare the range the code really accepts",
        )
    conflicts = [o.conflict for o in outcomes if o.conflict]
    if outcomes and len(conflicts) == len(outcomes):
        raise CheckSkipped("every value at a bound conflicts with another option: " + "; ".join(conflicts))


def _predict_answer(model: Any, example: Any, overrides: dict[str, Any]) -> None:
    records = model.predict([example], **overrides)
    if not isinstance(records, list) or len(records) != 1:
        raise TypeError(f"predict of one input returned {type(records).__name__} {str(records)[:80]}")


@check(
    kind="model",
    level="recommended",
    applies_to="test presets of models that declare option bounds (minimum/maximum)",
)
def check_model_accepts_option_values_at_their_bounds(subject: ModelSubject, *, preset: str) -> None:
    """``create`` and ``predict`` accept the value at each declared bound of an option.

    For every model option with a ``minimum`` or ``maximum`` the suite builds the test preset
    with the bound itself (when it is inclusive) or the nearest value inside it (when it is open:
    the next integer, or a float moved inside by a millionth of the bound, at least ``1e-6``) and
    runs the toy batch through the module in eval mode; for every such predict option it calls
    ``predict`` on a 24-character prompt (or one test input) with that value. A bound the test
    preset itself sets is left to ``check_model_builds``. A refusal that is
    a ``BadInputError`` naming *another* declared option (``n_embd`` must be divisible by
    ``n_head``) is retried with that option set to the probed value, its bounds, its default or
    its choices; when none suits, the value is left unjudged (the check is skipped, naming the
    conflict, only when every value was).

    Why: the declared range is what the command line lets through and ``openzoo info`` shows; a
    bound declared looser than the code (``minimum=1`` where a context of one token crashes,
    ``top_p`` up to 2 where the sampler refuses above 1) turns a documented value into a crash.
    Fix: make the code accept the whole declared range, or declare the range it really accepts.

    Recommended in suite 1.4: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    import torch

    factory = subject.resolve()
    base = dict(subject.preset(preset).config)
    examples = sample_examples(subject.spec.task, subject.dataset, 5)

    def build_and_run(overrides: dict[str, Any]) -> None:
        torch.manual_seed(0)
        model = factory.create(config={**base, **overrides}, dataset=subject.dataset)
        model.module.eval()
        with torch.no_grad():
            model.module(**model_inputs(model.collate([dict(e) for e in examples])))

    outcomes = [
        try_value(build_and_run, option, value, subject.spec.options, "create and a forward pass")
        for option in subject.spec.options
        for value in at_bound_values(option, base.get(option.name))
        if base.get(option.name) != value  # the test preset's own value is built by check_model_builds
    ]
    bounded = [option for option in subject.spec.predict_options if at_bound_values(option)]
    if bounded:
        model = subject.build(preset)
        model.module.eval()
        example = raw_input(subject.spec.task, examples[0])
        if isinstance(example, str):
            example = example[:24]  # a short prompt: a refusal must come from the option, not the input's length
        try:
            _predict_answer(model, example, {})
        except Exception as exc:
            raise fail(
                subject,
                "predict must answer the probe input with its default options",
                f"{type(exc).__name__}: {str(exc)[:160]}",
                "make predict answer a short input with the declared defaults",
            ) from exc
        for option in bounded:
            for value in at_bound_values(option):
                outcomes.append(
                    try_value(
                        lambda overrides: _predict_answer(model, example, overrides),
                        option,
                        value,
                        subject.spec.predict_options,
                        "predict",
                    )
                )
    judge(subject, outcomes, "a model or predict option")
