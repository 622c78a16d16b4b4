"""Options that must act: a declared ``int`` or ``float`` option changes what the model does.

The choices check compares an option's declared ``choices``; a number has no second value
to compare with, so these checks pick one inside the declared range. For each ``int`` or
``float`` option with a range or a default (one variant per option, so a plugin can waive a
single option by its id):

- a **predict option** is set to values inside its range (and left unset), and ``predict`` on
  three test examples must answer differently for two of them (the range's ends are tried
  first, so a length or a count acts without generating the default's many tokens);
- a **model option** is set to a second valid value in ``create``, and the model's outputs
  (``logits`` or ``scores``, and the loss) on a batch of test examples must change; the
  forward pass runs in training mode from one seed, so dropout and an initialisation scale
  count, and the loss, so a penalty counts.

Avoiding false alarms: the values tried are the ones most likely to show a difference -- the
ends of the declared range first (``top_k=1``, a dropout of 0, the smallest vocabulary),
then twice and four times a size's minimum, then 1, then twice and half the default -- up to :data:`CANDIDATES`; a value refused with an
error (another option's constraint, ``n_embd`` divisible by ``n_head``), or one the model builds
with but cannot run, is skipped: a range declared wider than the code accepts is another check's finding. Predict
options are also tried with each ``bool`` predict option flipped, so a sampling filter acts
under ``do_sample=True``, and every call runs from one torch seed, so sampling cannot fake a
difference. An option whose effect cannot show on a probe of this size (a ``batch_size``
that changes speed, not answers) is declared an expected failure with its reason:
``expected_failures={"check_model_predict_option_acts(preset=tiny,option=batch_size)": "..."}``.
"""

from __future__ import annotations

import math
from typing import Any

from openzoo.conformance.declaration import check, fail
from openzoo.conformance.model_runtime import collate, forward
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import raw_input, sample_examples
from openzoo.errors import ConformanceError
from openzoo.specs import Option
from openzoo.tasks import TEXT_GENERATION

__all__ = [
    "CANDIDATES",
    "check_model_option_acts",
    "check_model_predict_option_acts",
    "is_probed",
    "second_values",
]

#: Values tried per option, at most.
CANDIDATES = 6
#: Outputs that differ by more than this differ: any difference, since an inert option runs the very same computation.
SAME_TOLERANCE = 0.0
#: Tokens generated per ``predict`` call of a generation model.
NEW_TOKENS = 4
#: Stands for "the option left unset" among the values a predict option is tried with.
_DEFAULT = object()
_NUMBER_TYPES = ("int", "float")


def is_probed(option: Option) -> bool:
    """Whether an option is checked here: ``int`` or ``float``, no ``choices``, a range or a default."""
    has_anchor = option.minimum is not None or option.maximum is not None or option.default is not None
    return option.type in _NUMBER_TYPES and not option.choices and has_anchor


def second_values(option: Option, current: Any) -> list[Any]:
    """Return up to :data:`CANDIDATES` valid values other than ``current``, the likeliest to act first."""
    integer = option.type == "int"
    low, high = option.minimum, option.maximum
    span = (high - low) if low is not None and high is not None else 1.0
    inner = 1 if integer else span / 10
    ends = []
    if low is not None:
        ends.append(low + inner if option.min_open else low)
    if high is not None:
        ends.append(high - inner if option.max_open else high)
    others: list[Any] = [1, 2] if integer else [0.5, 1.0]
    if integer and low is not None and low >= 1:  # sizes: a small one acts before a large one saturates
        others = [low * 2, low * 4, *others]
    if isinstance(current, (int, float)) and not isinstance(current, bool) and current:
        others += [current * 2, current // 2 if integer else current / 2, current + 1]
    values = []
    for value in [*ends, *others]:
        value = int(value) if integer else float(value)
        if value != current and value not in values and option.in_range(value) and math.isfinite(value):
            values.append(value)
    return values[:CANDIDATES]


def _option(subject: ModelSubject, options: tuple[Option, ...], name: str) -> Option:
    return next(o for o in options if o.name == name)


def _built(subject: ModelSubject, preset: str) -> Any:
    """The test preset built once per subject for the predict-option variants (predict reads, never writes)."""
    cache = subject.__dict__.setdefault("_option_effect_models", {})
    if preset not in cache:
        cache[preset] = subject.build(preset)
        cache[preset].module.eval()
    return cache[preset]


def _answers(subject: ModelSubject, model: Any, inputs: list[Any], options: dict[str, Any]) -> str | None:
    """``predict`` under one seed, as comparable text; ``None`` when the options are refused."""
    import torch

    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            return repr(model.predict(inputs, **options))
    except Exception:  # noqa: BLE001 -- a refused value is skipped: another option may constrain it
        return None


@check(kind="model", level="recommended", applies_to="int and float predict options with a range or a default")
def check_model_predict_option_acts(subject: ModelSubject, *, preset: str, option: str) -> None:
    """Set to a second value inside its declared range, a numeric predict option changes some answer.

    Why: an option made inert (a condition inverted, a value read but never passed on)
    is invisible to every check run at the default, and users who set ``-o top_k=1`` get
    the default silently. Fix: pass the option to the code that reads it, stop declaring
    it, or -- for an option whose effect cannot show on three examples -- declare this
    check's id as an expected failure with the reason.
    """
    declared = _option(subject, subject.spec.predict_options, option)
    model = _built(subject, preset)
    examples = sample_examples(subject.spec.task, subject.dataset, 3)
    inputs = [raw_input(subject.spec.task, e) for e in examples]
    base: dict[str, Any] = {"max_new_tokens": NEW_TOKENS} if subject.spec.task == TEXT_GENERATION else {}
    base.pop(option, None)
    contexts = [base] + [
        {**base, o.name: not bool(o.default)} for o in subject.spec.predict_options if o.type == "bool"
    ]
    values: list[Any] = [*second_values(declared, declared.default), _DEFAULT]
    tried = []
    for context in contexts:
        first = None
        for value in values:
            options = context if value is _DEFAULT else {**context, option: value}
            answer = _answers(subject, model, inputs, options)
            label = "the default" if value is _DEFAULT else repr(value)
            tried.append(f"{label}{' refused' if answer is None else ''}" + (f" with {context}" if context else ""))
            if answer is None:
                continue
            if first is not None and answer != first:
                return
            first = answer if first is None else first
    raise fail(
        subject,
        f"the predict option {option} must change an answer when set inside its range",
        f"the same answers for every value tried: {', '.join(tried) or 'none'}",
        "pass the option to the code that reads it, stop declaring it, or declare this check's id an expected "
        "failure with the reason its effect cannot show on three examples",
    )


def _outputs(subject: ModelSubject, preset: str, changes: dict[str, Any]) -> dict[str, Any] | None:
    """Build with ``changes`` from seed 0 and run a training-mode forward pass from seed 0; ``None`` if refused."""
    import torch

    config = {**dict(subject.preset(preset).config), **changes}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        try:
            model = subject.resolve().create(config=config, dataset=subject.dataset)
        except Exception:  # noqa: BLE001 -- a refused value is skipped: another option may constrain it
            return None
        model.module.train()
        examples = sample_examples(subject.spec.task, subject.dataset, 4)
        try:
            outputs = forward(subject, model.module, collate(subject, model, examples))
        except ConformanceError:  # a value the model builds with but cannot run: not this check's finding
            return None
    return {k: v.detach().float() for k, v in outputs.items() if k in ("loss", "logits", "scores") and v is not None}


def _differ(first: dict[str, Any], second: dict[str, Any]) -> bool:
    if first.keys() != second.keys():
        return True
    for key, value in first.items():
        other = second[key]
        if value.shape != other.shape or float((value - other).abs().max()) > SAME_TOLERANCE:
            return True
    return False


@check(kind="model", level="recommended", applies_to="int and float model options with a range or a default")
def check_model_option_acts(subject: ModelSubject, *, preset: str, option: str) -> None:
    """Set to a second value inside its declared range, a numeric model option changes the outputs or the loss.

    Why: a model option that ``create`` accepts and drops (a size read from the preset
    instead, a dropout never passed to the layers, a penalty weight left out of the loss)
    trains the same model whatever the user sets. Fix: pass the option into the network's
    configuration, stop declaring it, or declare this check's id an expected failure with
    the reason its effect cannot show on a batch of four examples.
    """
    declared = _option(subject, subject.spec.options, option)
    config = dict(subject.preset(preset).config)
    current = config.get(option, declared.default)
    reference = _outputs(subject, preset, {})
    if reference is None:
        raise fail(subject, f"the test preset {preset!r} must build", "create refused it", "fix the preset")
    tried = []
    for value in second_values(declared, current):
        outputs = _outputs(subject, preset, {option: value})
        tried.append(f"{value!r}{' refused' if outputs is None else ''}")
        if outputs is not None and _differ(reference, outputs):
            return
    raise fail(
        subject,
        f"the model option {option} must change the outputs or the loss when set inside its range",
        f"the same outputs and loss as {current!r} for {', '.join(tried) or 'no value'}",
        "pass the option into the network's configuration, stop declaring it, or declare this check's id an "
        "expected failure with the reason its effect cannot show on four examples",
    )
