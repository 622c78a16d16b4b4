"""Option semantics: the sampling convention of generation, and options that must not be inert.

Text generation models that declare the predict options ``do_sample`` and ``seed``
follow one convention: the same seed gives the same sampled text, sampling differs
from greedy decoding for some seed, and the sampling filters reduce to greedy
decoding at their limits (``top_k=1``, a tiny ``top_p``, a tiny ``temperature``), and
at their neutral values (``temperature=1.0``, ``top_p=1.0``, ``top_k=0``, transformers'
defaults) they change nothing: accepted with ``do_sample=False``, where they give the
greedy text, and sampling with one gives the sample without it (when its declared
default is unset or that value). A declared filter that changes nothing at its limit is
reported as inert.

Declared option ranges (:attr:`openzoo.Option.minimum` and friends) are what the command
line enforces; ``create`` and ``predict`` must refuse a value just outside them too, since
Python callers and config files bypass the command line.
"""

from __future__ import annotations

import math
from typing import Any

from openzoo.conformance.declaration import check, fail
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import raw_input, sample_examples
from openzoo.errors import BadInputError
from openzoo.specs import Option

__all__ = [
    "GREEDY_LIMITS",
    "NEUTRAL_VALUES",
    "NEVER_STOP",
    "as_parsed",
    "check_generation_neutral_filters_change_nothing",
    "check_generation_sampling_follows_its_options",
    "check_model_refuses_option_values_outside_their_bounds",
    "neutral_filters",
    "outside_values",
    "predicted_text",
    "refusal_problem",
    "unique_character",
]

#: Values at which each sampling filter leaves only the most likely token: sampling equals greedy.
GREEDY_LIMITS: dict[str, Any] = {"top_k": 1, "top_p": 1e-6, "temperature": 1e-3}
#: Values at which each sampling filter keeps every token as it is (transformers' defaults).
NEUTRAL_VALUES: dict[str, Any] = {"temperature": 1.0, "top_p": 1.0, "top_k": 0}
#: Tokens generated per call (short: the checks compare whole texts).
NEW_TOKENS = 8
#: Seeds tried when looking for a sample that differs from greedy decoding.
SEEDS = (1, 2, 3)
#: A stop string no model generates.
NEVER_STOP = "\x00never\x00"


def unique_character(text: str) -> str | None:
    """Return a character that occurs once in ``text``, not at its start and not a space (the middle one), or ``None``."""
    once = [i for i, c in enumerate(text) if i > 0 and text.count(c) == 1 and not c.isspace()]
    return text[once[len(once) // 2]] if once else None


def _stop_problems(subject: ModelSubject, model: Any, prompt: str, greedy: str) -> list[str]:
    """``stop`` cuts before its first occurrence, and a stop string that never occurs changes nothing."""
    problems = []
    never = predicted_text(subject, model, prompt, do_sample=False, stop=NEVER_STOP)
    if never != greedy:
        problems.append(f"stop that never occurs changed {greedy!r} to {never!r}")
    marker = unique_character(greedy)
    if marker is not None:
        cut = predicted_text(subject, model, prompt, do_sample=False, stop=marker)
        if cut != greedy[: greedy.index(marker)]:
            problems.append(f"stop={marker!r} gave {cut!r}; expected {greedy[: greedy.index(marker)]!r}")
    return problems


def predicted_text(
    subject: ModelSubject, model: Any, prompt: str, *, new_tokens: int = NEW_TOKENS, **options: Any
) -> str:
    """Return the text of ``model.predict([prompt], max_new_tokens=new_tokens, **options)``; a failure fails the check."""
    try:
        records = model.predict([prompt], max_new_tokens=new_tokens, **options)
    except Exception as exc:
        raise fail(
            subject,
            f"predict with the declared options {options} must work",
            f"{type(exc).__name__}: {exc}",
            "accept every declared predict option",
        ) from exc
    return str(records[0].get("text"))


def _neutral_problems(subject: ModelSubject, model: Any, prompt: str, greedy: str, sampled: str | None) -> list[str]:
    """What goes wrong when each declared sampling filter is given its neutral value (see the module docstring).

    ``sampled`` is the sample with seed ``SEEDS[0]`` and no filter; ``None`` skips the comparisons under sampling.
    """
    problems = []
    for option in neutral_filters(subject.spec):
        value = NEUTRAL_VALUES[option.name]
        try:
            records = model.predict([prompt], max_new_tokens=NEW_TOKENS, do_sample=False, **{option.name: value})
        except Exception as exc:  # noqa: BLE001 -- a refusal is the problem reported
            problems.append(
                f"do_sample=False with {option.name}={value!r} raised {type(exc).__name__}: {str(exc)[:120]}"
            )
        else:
            text = records[0].get("text") if isinstance(records, list) and records else records
            if str(text) != greedy:
                problems.append(f"do_sample=False with {option.name}={value!r} gave {text!r}, greedy {greedy!r}")
        if sampled is not None and (option.default is None or option.default == value):
            text = predicted_text(subject, model, prompt, do_sample=True, seed=SEEDS[0], **{option.name: value})
            if text != sampled:
                problems.append(
                    f"do_sample=True, seed={SEEDS[0]} with {option.name}={value!r} gave {text!r}, without it {sampled!r}"
                )
    return problems


def neutral_filters(spec: Any) -> list[Option]:
    """The declared predict options that are sampling filters whose range holds their neutral value."""
    return [o for o in spec.predict_options if o.name in NEUTRAL_VALUES and o.in_range(NEUTRAL_VALUES[o.name])]


@check(
    kind="model",
    level="recommended",
    applies_to="generation models that declare do_sample, seed and temperature, top_p or top_k",
)
def check_generation_neutral_filters_change_nothing(subject: ModelSubject, *, preset: str) -> None:
    """A sampling filter at its neutral value changes nothing, under greedy decoding and under sampling.

    For each declared ``temperature``, ``top_p`` and ``top_k`` whose declared range holds
    transformers' neutral value (``1.0``, ``1.0`` and ``0``), ``predict`` with
    ``do_sample=False`` and that value must answer with the greedy text (not refuse it),
    and sampling with it (seed 1) must give the sample without it, unless the option
    declares another default.

    Why: OpenAI-style clients send ``temperature=0`` with ``top_p=1``, which ``openzoo
    serve`` passes on as ``do_sample=False, top_p=1.0``; a model that refuses a neutral
    filter under greedy decoding fails those requests, and one whose unset filter is
    secretly another value samples differently from what it declares. Fix: treat a
    neutral value as unset whether or not ``do_sample`` is true, and sample with the
    declared defaults.

    Recommended in suite 1.8: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    model = subject.build(preset)
    model.module.eval()
    prompt = str(sample_examples(subject.spec.task, subject.dataset, 1)[0]["text"])[:24]
    greedy = predicted_text(subject, model, prompt, do_sample=False)
    sampled = predicted_text(subject, model, prompt, do_sample=True, seed=SEEDS[0])
    # a sample the seed does not reproduce cannot be compared (check_generation_sampling_follows_its_options says so)
    seeded = sampled == predicted_text(subject, model, prompt, do_sample=True, seed=SEEDS[0])
    problems = _neutral_problems(subject, model, prompt, greedy, sampled if seeded else None)
    if problems:
        raise fail(
            subject,
            "a sampling filter at its neutral value must change nothing (accepted under greedy decoding, "
            "the same sample as without it)",
            "; ".join(problems),
            "treat temperature=1.0, top_p=1.0 and top_k=0 as unset, whether or not do_sample is true",
        )


@check(kind="model", applies_to="generation models that declare the predict options do_sample and seed")
def check_generation_sampling_follows_its_options(subject: ModelSubject, *, preset: str) -> None:
    """A seed reproduces sampled text, sampling differs from greedy, each filter reduces to greedy at its limit.

    Also: ``stop`` (when declared) cuts the greedy text before its first occurrence and
    changes nothing when it never occurs, and ``max_new_tokens=1`` generates one token.

    Why: users reproduce a sampled answer with its seed and expect ``do_sample`` to
    change something; a seed that is ignored, sampling that silently stays greedy, or a
    declared ``top_k``/``top_p``/``temperature`` that is never passed to the sampler all
    look fine in a demo. Fix: seed a generator (``torch.Generator().manual_seed(seed)``
    or ``fork_rng``) for the call, and pass every declared filter to the sampler.
    """
    names = {o.name for o in subject.spec.predict_options}
    model = subject.build(preset)
    model.module.eval()
    prompt = str(sample_examples(subject.spec.task, subject.dataset, 1)[0]["text"])[:24]
    greedy = predicted_text(subject, model, prompt, do_sample=False)
    first = predicted_text(subject, model, prompt, do_sample=True, seed=SEEDS[0])
    again = predicted_text(subject, model, prompt, do_sample=True, seed=SEEDS[0])
    if first != again:
        raise fail(
            subject,
            "the same seed must give the same sampled text",
            f"{first!r} then {again!r} with seed={SEEDS[0]}",
            "seed the sampler from the seed option for each call",
        )
    samples = [first] + [predicted_text(subject, model, prompt, do_sample=True, seed=s) for s in SEEDS[1:]]
    if len(set(samples)) == 1:
        raise fail(
            subject,
            "different seeds must give different samples",
            f"{first!r} for seeds {list(SEEDS)}",
            "use the seed option to seed the sampler instead of a fixed seed",
        )
    if all(sample == greedy for sample in samples):
        raise fail(
            subject,
            "do_sample=True must sample",
            f"the greedy text {greedy!r} for seeds {list(SEEDS)}",
            "pass do_sample to the decoder",
        )
    inert = []
    for name, limit in GREEDY_LIMITS.items():
        if name in names:
            limited = predicted_text(subject, model, prompt, do_sample=True, seed=SEEDS[0], **{name: limit})
            if limited != greedy:
                inert.append(f"{name}={limit} gave {limited!r}, greedy {greedy!r}")
    if "stop" in names:
        inert += _stop_problems(subject, model, prompt, greedy)
    one = model.predict([prompt], max_new_tokens=1)[0]
    if one.get("tokens") not in (0, 1):
        inert.append(f"max_new_tokens=1 gave {one.get('tokens')!r} tokens")
    if inert:
        raise fail(
            subject,
            "each declared sampling filter must reach the sampler (at its limit sampling equals greedy)",
            "; ".join(inert),
            "pass the option to the sampler, or stop declaring it",
        )


def outside_values(option: Option) -> list[Any]:
    """Return values outside the declared bounds of ``option``: near each bound, further out, and 0 and -1.

    For each bound: the value just beyond it (the bound itself when it is open; the next integer,
    or the next float by ``math.nextafter``, when it is closed), then one a tenth of the range
    further out (of the bound's size, at least 1, when only one bound is declared; at least one
    integer step for an int option). Then 0 and -1 when the range excludes them. A list option
    gets one-element lists of these values; duplicates are dropped, the order is kept.

    Why more than the nearest value: a check written as ``value != bound`` for ``value < bound``
    refuses the bound itself and nothing past it, and a guard that only ever meets the nearest
    value says nothing about 0 or a negative number (a size of 0, a count of -1).
    """
    element = option.element_type
    if option.minimum is not None and option.maximum is not None:
        scale = float(option.maximum) - float(option.minimum)
    else:
        scale = None
    values: list[Any] = []
    for bound, is_open, direction in ((option.minimum, option.min_open, -1), (option.maximum, option.max_open, 1)):
        if bound is None:
            continue
        step = 0.1 * (scale if scale else max(abs(float(bound)), 1.0))
        if element == "int":
            near = int(bound) if is_open else int(bound) + direction
            values += [near, near + direction * max(1, round(step))]
        else:
            near = float(bound) if is_open else math.nextafter(float(bound), direction * math.inf)
            values += [near, float(bound) + direction * step]
    if values:
        values += [zero for zero in ((0, -1) if element == "int" else (0.0, -1.0)) if not option.in_range(zero)]
    unique = list(dict.fromkeys(values))
    return [[value] for value in unique] if option.type.startswith("list[") else unique


def as_parsed(value: Any) -> Any:
    """Return ``value`` as the command line hands it over: a string as a new object, never the interned constant.

    A choice declared as a literal and compared with ``is`` (``feedback is "implicit"``)
    matches the same literal the suite would pass, and never the string parsed from
    ``-o feedback=implicit`` (suite 1.11).
    """
    return "".join(list(value)) if isinstance(value, str) and len(value) > 1 else value


def refusal_problem(call: Any, label: str) -> str | None:
    """Run ``call``; return what went wrong unless it raised :class:`~openzoo.BadInputError`.

    A plain ``ValueError`` is a problem too (from suite 1.11): the command line reports it as
    a bug with exit code 1, and the server as an internal error, instead of bad input.
    """
    try:
        call()
    except BadInputError:
        return None
    except Exception as exc:  # noqa: BLE001 -- any other exception is the failure reported
        return f"{label} raised {type(exc).__name__}, not BadInputError: {str(exc)[:120]}"
    return f"{label} was accepted"


@check(kind="model", level="required", applies_to="test presets of models that declare option bounds (minimum/maximum)")
def check_model_refuses_option_values_outside_their_bounds(subject: ModelSubject, *, preset: str) -> None:
    """``create`` and ``predict`` refuse a value just outside each declared bound of an option.

    For every model option with a ``minimum`` or ``maximum`` the suite builds the test
    preset with the value just beyond each bound (the bound itself when it is open, the
    next integer or float when it is closed); for every such predict option it calls
    ``predict`` on one example (a text cut to 24 characters) with that value, after the same
    call with the default options has answered. Each must raise :class:`openzoo.BadInputError`,
    not build the model, answer, or fail with another error -- a plain ``ValueError`` (torch's
    own, for a dropout of 1.1) was accepted until suite 1.11, but the command line reports it
    as a bug with exit code 1 and the server as an internal error.

    Why: the command line refuses ``-o dropout=1.5`` from the declared range, but Python
    callers and config files reach ``create`` directly; a check written with ``<`` for
    ``<=`` or a forgotten one lets a value the plugin declared impossible build a model
    that trains on nonsense. Fix: validate each option against the range it declares (or
    declare the range the code really accepts).

    Recommended in suite 1.3 and required from 1.4: a new required check arrives as recommended for
    one minor release (GOVERNANCE.md).
    """
    factory = subject.resolve()
    base = dict(subject.preset(preset).config)
    problems = []
    for option in subject.spec.options:
        for value in outside_values(option):
            config = {**base, option.name: value}
            call = lambda config=config: factory.create(config=config, dataset=subject.dataset)  # noqa: E731
            problem = refusal_problem(call, f"create with {option.name}={value!r} ({option.range_text()})")
            if problem:
                problems.append(problem)
    bounded = [option for option in subject.spec.predict_options if outside_values(option)]
    if bounded:
        model = subject.build(preset)
        model.module.eval()
        example = raw_input(subject.spec.task, sample_examples(subject.spec.task, subject.dataset, 1)[0])
        if isinstance(example, str):
            example = example[:24]  # a short prompt: a refusal must come from the option, not the input's length
        try:
            model.predict([example])
        except Exception as exc:  # noqa: BLE001 -- reported: without a working call no refusal means anything
            problems.append(f"predict of the probe input with default options raised {type(exc).__name__}: {exc}")
            bounded = []
        for option in bounded:
            for value in outside_values(option):
                call = lambda options={option.name: value}: model.predict([example], **options)  # noqa: E731
                problem = refusal_problem(call, f"predict with {option.name}={value!r} ({option.range_text()})")
                if problem:
                    problems.append(problem)
    if problems:
        raise fail(
            subject,
            "a value outside an option's declared range must be refused with BadInputError",
            "; ".join(problems),
            "validate each option against the range it declares and raise openzoo.BadInputError naming it",
        )
