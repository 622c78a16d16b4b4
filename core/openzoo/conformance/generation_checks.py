"""Text generation checks, selected by the capabilities ``generation`` and ``kv_cache``.

They use the small generation API a text-generation model declares with the
capability ``generation``::

    def generate_ids(self, prompt: str, *, max_new_tokens: int,
                     eos_token_id: int | None = None, use_cache: bool = True) -> list[int]:
        '''Greedy decoding: return the ids of the new tokens only (the eos token included
        when generation stopped at it); no sampling, no randomness.'''

``predict([prompt], max_new_tokens=..., do_sample=False)`` stays the user-facing API;
``generate_ids`` is what these checks compare exactly.
"""

from __future__ import annotations

from typing import Any

from openzoo.conformance.declaration import check, fail
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import sample_examples

__all__ = [
    "check_generation_greedy_is_deterministic",
    "check_generation_kv_cache_gives_same_tokens",
    "check_generation_predict_uses_the_kv_cache",
    "check_generation_respects_max_new_tokens",
    "check_generation_stops_at_eos",
]

_NEW_TOKENS = 6
#: New tokens generated freely to find an eos position beyond the first.
_EOS_TOKENS = 12


def _prompts(subject: ModelSubject) -> list[str]:
    texts = [str(e.get("text", "")) for e in sample_examples(subject.spec.task, subject.dataset, 2)]
    return [" ".join(t.split()[:4]) or t[:16] for t in texts]


def _generate(subject: ModelSubject, model: Any, prompt: str, **options: Any) -> list[int]:
    import torch

    function = getattr(model, "generate_ids", None)
    if not callable(function):
        raise fail(
            subject,
            "the capability 'generation' needs generate_ids(prompt, *, max_new_tokens, eos_token_id=None, use_cache=True)",
            "no generate_ids method",
            "add it (greedy decoding returning the new token ids)",
        )
    try:
        with torch.no_grad():
            ids = function(prompt, **options)
    except Exception as exc:
        raise fail(
            subject,
            f"generate_ids({prompt!r}, {options}) must work",
            f"{type(exc).__name__}: {exc}",
            "make generate_ids accept the documented arguments",
        ) from exc
    ids = [int(i) for i in (ids.tolist() if hasattr(ids, "tolist") else ids)]
    return ids


def _model(subject: ModelSubject, preset: str) -> Any:
    model = subject.build(preset)
    model.module.eval()
    return model


@check(kind="model", applies_to="test presets of models with capability 'generation'")
def check_generation_greedy_is_deterministic(subject: ModelSubject, *, preset: str) -> None:
    """Greedy generation of the same prompt gives the same tokens twice, whatever the global seed.

    Why: greedy decoding is a function of the prompt and weights; anything else is a
    sampling path left on or dropout in eval mode. Fix: pick ``argmax`` when
    generating greedily and keep the module in eval mode.
    """
    import torch

    model = _model(subject, preset)
    for prompt in _prompts(subject):
        torch.manual_seed(1)
        first = _generate(subject, model, prompt, max_new_tokens=_NEW_TOKENS)
        torch.manual_seed(2)
        second = _generate(subject, model, prompt, max_new_tokens=_NEW_TOKENS)
        if first != second:
            raise fail(
                subject,
                "greedy generation must be deterministic",
                f"{first} then {second} for {prompt!r}",
                "use argmax, not sampling, for greedy decoding",
            )


@check(kind="model", applies_to="test presets of models with capability 'generation'")
def check_generation_respects_max_new_tokens(subject: ModelSubject, *, preset: str) -> None:
    """Without an eos token, generation returns exactly ``max_new_tokens`` new tokens (1 and 6 tried).

    Why: ``max_new_tokens`` bounds the cost of a request and the length of a reply;
    returning the prompt too, or one token more or less, breaks streaming and
    budgets. Fix: count only new tokens and stop when the count is reached.
    """
    model = _model(subject, preset)
    prompt = _prompts(subject)[0]
    for limit in (1, _NEW_TOKENS):
        ids = _generate(subject, model, prompt, max_new_tokens=limit, eos_token_id=None)
        if len(ids) != limit:
            raise fail(
                subject,
                "generation must return exactly max_new_tokens new ids when no eos is set",
                f"{len(ids)} ids for max_new_tokens={limit}",
                "return only the new tokens, and exactly that many",
            )


def _eos_positions(free: list[int]) -> list[int]:
    """Return position 0 and the latest position where a token occurs for the first time (if later)."""
    firsts = [i for i, token in enumerate(free) if token not in free[:i]]
    return [0, firsts[-1]] if firsts and firsts[-1] > 0 else [0]


@check(kind="model", applies_to="test presets of models with capability 'generation'")
def check_generation_stops_at_eos(subject: ModelSubject, *, preset: str) -> None:
    """Generation stops right after the eos token, which is included in the result -- at the first new token and later.

    The check generates freely and takes as eos the first new token, then the token at
    the latest position where a token first appears; generating again with that eos must
    end exactly there. Why: chat and completion stop at end-of-sequence; a loop that only
    compares the first new token, or the last one after the loop, ignores it and emits
    garbage. Fix: after choosing each token, stop if it equals ``eos_token_id``.
    """
    model = _model(subject, preset)
    tried = 0
    for prompt in _prompts(subject):
        free = _generate(subject, model, prompt, max_new_tokens=_EOS_TOKENS, eos_token_id=None)
        for position in _eos_positions(free):
            if position == 0 and tried:
                continue
            tried += 1
            eos = free[position]
            stopped = _generate(subject, model, prompt, max_new_tokens=_EOS_TOKENS, eos_token_id=eos)
            if stopped != free[: position + 1]:
                raise fail(
                    subject,
                    f"generation must stop right after eos_token_id={eos} (new token {position + 1})",
                    f"{stopped}; expected {free[: position + 1]} for {prompt!r}",
                    "compare every chosen token with eos_token_id and stop after the first match",
                )


@check(kind="model", applies_to="test presets of models with capability 'kv_cache'")
def check_generation_kv_cache_gives_same_tokens(subject: ModelSubject, *, preset: str) -> None:
    """Greedy generation with the KV cache gives the same tokens as without it.

    Why: the cache is an optimisation; a wrong position offset, a cache not updated
    or a mask not extended changes the text only when it is on. Fix: feed positions
    ``past_length + i`` to the new tokens and extend the attention mask with the cache.
    """
    model = _model(subject, preset)
    for prompt in _prompts(subject):
        cached = _generate(subject, model, prompt, max_new_tokens=_NEW_TOKENS, use_cache=True)
        uncached = _generate(subject, model, prompt, max_new_tokens=_NEW_TOKENS, use_cache=False)
        if cached != uncached:
            raise fail(
                subject,
                "generation with and without the KV cache must give the same tokens",
                f"{cached} with cache, {uncached} without, for {prompt!r}",
                "fix the positions and mask used with the cache",
            )


def _embedding_inputs(module: Any) -> tuple[list[Any], dict[str, list[int]]]:
    """Hook every ``nn.Embedding`` of ``module``: record the last-dimension length of each lookup, by layer name."""
    import torch

    seen: dict[str, list[int]] = {}
    handles = []
    for name, layer in module.named_modules():
        if isinstance(layer, torch.nn.Embedding):

            def record(layer: Any, args: tuple[Any, ...], name: str = name) -> None:
                if args and hasattr(args[0], "shape") and args[0].ndim >= 1:
                    seen.setdefault(name, []).append(int(args[0].shape[-1]))

            handles.append(layer.register_forward_pre_hook(record))
    return handles, seen


@check(kind="model", level="recommended", applies_to="test presets of models with the capability kv_cache")
def check_generation_predict_uses_the_kv_cache(subject: ModelSubject, *, preset: str) -> None:
    """``predict`` with its default options uses the KV cache it declares: each step after the first looks up one token.

    The suite hooks every ``nn.Embedding`` of the module and calls ``predict`` on one prompt
    (``max_new_tokens=4`` when that option is declared). Every embedding looked up on more than
    one step must see a single position (the last dimension of its input is 1) on the last
    step; one that sees the whole text again is decoding without the cache.

    Why: the cache is what makes generating n tokens cost n steps of one token instead of n
    passes over a growing text; a default of ``use_cache=False``, or a predict that never
    passes the cache on, gives the same tokens (so every other check passes) at a quadratic
    cost. Fix: default ``use_cache`` to true and pass ``past_key_values`` from step to step.

    Recommended in suite 1.10: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    import torch

    model = _model(subject, preset)
    options = {"max_new_tokens": 4} if any(o.name == "max_new_tokens" for o in subject.spec.predict_options) else {}
    handles, seen = _embedding_inputs(model.module)
    try:
        with torch.no_grad():
            model.predict(_prompts(subject)[:1], **options)
    finally:
        for handle in handles:
            handle.remove()
    regrown = {name: lengths for name, lengths in seen.items() if len(lengths) > 1 and lengths[-1] != 1}
    if regrown:
        name, lengths = next(iter(regrown.items()))
        raise fail(
            subject,
            "predict must use the KV cache the model declares: one new position per step after the first",
            f"embedding {name!r} looked up {lengths} positions on successive steps",
            "default use_cache to true and pass past_key_values from one step to the next",
        )
