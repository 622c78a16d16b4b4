"""Option semantics: the sampling convention of generation, and options that must not be inert.

Text generation models that declare the predict options ``do_sample`` and ``seed``
follow one convention: the same seed gives the same sampled text, sampling differs
from greedy decoding for some seed, and the sampling filters reduce to greedy
decoding at their limits (``top_k=1``, a tiny ``top_p``, a tiny ``temperature``).
A declared filter that changes nothing there is reported as inert.
"""

from __future__ import annotations

from typing import Any

from openzoo.conformance.declaration import check, fail
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import sample_examples

__all__ = ["GREEDY_LIMITS", "check_generation_sampling_follows_its_options"]

#: Values at which each sampling filter leaves only the most likely token: sampling equals greedy.
GREEDY_LIMITS: dict[str, Any] = {"top_k": 1, "top_p": 1e-6, "temperature": 1e-3}
#: Tokens generated per call (short: the checks compare whole texts).
NEW_TOKENS = 8
#: Seeds tried when looking for a sample that differs from greedy decoding.
SEEDS = (1, 2, 3)


def _stop_problems(subject: ModelSubject, model: Any, prompt: str, greedy: str) -> list[str]:
    """``stop`` cuts before its first occurrence, and a stop string that never occurs changes nothing."""
    problems = []
    never = _generate(subject, model, prompt, do_sample=False, stop="\x00never\x00")
    if never != greedy:
        problems.append(f"stop that never occurs changed {greedy!r} to {never!r}")
    once = [i for i, c in enumerate(greedy) if i > 0 and greedy.count(c) == 1 and not c.isspace()]
    if once:
        marker = greedy[once[len(once) // 2]]
        cut = _generate(subject, model, prompt, do_sample=False, stop=marker)
        if cut != greedy[: greedy.index(marker)]:
            problems.append(f"stop={marker!r} gave {cut!r}; expected {greedy[: greedy.index(marker)]!r}")
    return problems


def _generate(subject: ModelSubject, model: Any, prompt: str, **options: Any) -> str:
    try:
        records = model.predict([prompt], max_new_tokens=NEW_TOKENS, **options)
    except Exception as exc:
        raise fail(
            subject,
            f"predict with the declared options {options} must work",
            f"{type(exc).__name__}: {exc}",
            "accept every declared predict option",
        ) from exc
    return str(records[0].get("text"))


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
    greedy = _generate(subject, model, prompt, do_sample=False)
    first = _generate(subject, model, prompt, do_sample=True, seed=SEEDS[0])
    again = _generate(subject, model, prompt, do_sample=True, seed=SEEDS[0])
    if first != again:
        raise fail(
            subject,
            "the same seed must give the same sampled text",
            f"{first!r} then {again!r} with seed={SEEDS[0]}",
            "seed the sampler from the seed option for each call",
        )
    samples = [first] + [_generate(subject, model, prompt, do_sample=True, seed=s) for s in SEEDS[1:]]
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
            limited = _generate(subject, model, prompt, do_sample=True, seed=SEEDS[0], **{name: limit})
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
