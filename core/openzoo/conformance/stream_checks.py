"""Streaming: what a text generation model streams is what it predicts.

``openzoo predict`` prints a generation model's text as ``stream(prompt, **options)``
yields it, and the server's streamed completions are made of the same pieces, while
``--json``, the API and non-streamed completions return ``predict``'s text. The two
paths are often written twice (a streamer, a thread, a stop-string filter that must
hold back what might start a stop string), so they drift apart unnoticed.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from openzoo.conformance.declaration import check, fail
from openzoo.conformance.option_checks import NEVER_STOP, predicted_text, unique_character
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import sample_examples

__all__ = ["check_generation_stop_strings_cut_only_the_continuation", "check_model_stream_joins_to_predicted_text"]

#: Tokens generated per call: enough for a stop string to fall inside the text.
NEW_TOKENS = 10


def _stop_strings(text: str) -> list[str]:
    """Stop strings that occur in ``text``: a character met once, and two characters that span a piece boundary."""
    character = unique_character(text)
    stops = [character] if character is not None else []
    pairs = [text[i : i + 2] for i in range(1, len(text) - 1) if text.count(text[i : i + 2]) == 1]
    if pairs:
        stops.append(pairs[-1])
    return stops


def _greedy_text(subject: ModelSubject, model: Any) -> tuple[set[str], dict[str, Any], str, str]:
    """The declared predict option names, the greedy options, the prompt (four words of a test example), its text."""
    names = {option.name for option in subject.spec.predict_options}
    greedy = {"do_sample": False} if "do_sample" in names else {}
    prompt = " ".join(str(sample_examples(subject.spec.task, subject.dataset, 1)[0]["text"]).split()[:4])
    return names, greedy, prompt, predicted_text(subject, model, prompt, new_tokens=NEW_TOKENS, **greedy)


@check(kind="model", level="recommended", applies_to="text generation models that stream (a stream method)")
def check_model_stream_joins_to_predicted_text(subject: ModelSubject, *, preset: str) -> None:
    """The pieces ``stream(prompt, **options)`` yields join to the text ``predict([prompt], **options)`` returns.

    Greedy decoding, with the same options on both paths; with ``stop`` declared, also a
    stop string that never occurs (nothing changes), one that occurs once and one of two
    characters (both paths cut before it). A model without ``stream`` is streamed by the
    engine through ``predict``, so it passes.

    Why: the terminal and the server's streamed completions show the pieces, while
    ``--json``, the API and plain completions return ``predict``'s text; a stream that
    drops or repeats text, or handles stop strings its own way, shows users another
    answer. Fix: decode both from the same options, and cut the stream where ``predict``
    cuts (hold back text that might begin a stop string until it cannot).

    Recommended in suite 1.5: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    model = subject.build(preset)
    stream = getattr(model, "stream", None)
    if not callable(stream):
        return
    model.module.eval()
    names, greedy, prompt, text = _greedy_text(subject, model)
    variants: list[dict[str, Any]] = [greedy]
    if "stop" in names:
        variants += [{**greedy, "stop": stop} for stop in (NEVER_STOP, *_stop_strings(text))]
    problems = []
    for options in variants:
        expected = (
            text if options is greedy else predicted_text(subject, model, prompt, new_tokens=NEW_TOKENS, **options)
        )
        pieces = _streamed(subject, stream, prompt, **options)
        if "".join(pieces) != expected:
            problems.append(f"with {options}: predict gave {expected!r}, stream gave the pieces {pieces!r}")
    if problems:
        raise fail(
            subject,
            "the pieces stream yields must join to the text predict returns for the same options",
            "; ".join(problems),
            "decode both from the same options and cut stop strings in the stream where predict cuts them",
        )


def _streamed(subject: ModelSubject, stream: Any, prompt: str, **options: Any) -> list[str]:
    import torch

    try:
        with torch.no_grad():
            return [str(piece) for piece in stream(prompt, max_new_tokens=NEW_TOKENS, **options)]
    except Exception as exc:
        raise fail(
            subject,
            f"stream({prompt!r}, max_new_tokens={NEW_TOKENS}, **{options}) must work like predict",
            f"{type(exc).__name__}: {exc}",
            "accept the predict options in stream",
        ) from exc


#: Streamed pieces whose boundary with the next one a stop string is made to straddle.
BOUNDARIES = 3


def _straddling_stops(prompt: str, text: str, pieces: list[str]) -> list[str]:
    """Stop strings built from what greedy decoding gave (see the check)."""
    stops = []
    if text:
        for k in (1, 3):
            stops += [prompt[-k:] + text[:2], prompt[-k:] + " " + text.lstrip()[:2]]
    for before, after in pairwise(pieces[: BOUNDARIES + 1]):
        if before and after:
            stops += [before + after[0], before[-1] + after[0]]
    return list(dict.fromkeys(stop for stop in stops if stop.strip()))


@check(kind="model", level="recommended", applies_to="text generation models that declare the predict option stop")
def check_generation_stop_strings_cut_only_the_continuation(subject: ModelSubject, *, preset: str) -> None:
    """A stop string ends the text at its first occurrence in the generated text: never in the prompt, and whole across streamed pieces.

    Greedy decoding of a prompt, first without ``stop``, then with stop strings built
    from what came out: the prompt's last characters followed by the text's first (with
    and without a space between), which straddle the prompt's end; and each of the first
    streamed pieces followed by the next piece's first character, which a stream must hold
    back whole. ``predict`` with each must give the text without ``stop`` cut before the
    stop string's first occurrence in it (all of it when it does not occur), and
    ``stream``, when the model has one, must join to the same.

    Why: transformers' ``stop_strings`` looks at the end of the whole sequence, prompt
    included, so a stop string that straddles the prompt's end ended generation after one
    token, though the text never held it, and a stream that holds back only a few
    characters lets the start of a longer stop string out before it knows. Fix: look for
    stop strings in the decoded continuation only, and hold back any suffix of the
    streamed text that begins a stop string, however long.

    Recommended in suite 1.11: a new check arrives as recommended for one minor release (GOVERNANCE.md).
    """
    model = subject.build(preset)
    model.module.eval()
    _, greedy, prompt, text = _greedy_text(subject, model)
    stream = getattr(model, "stream", None)
    pieces = _streamed(subject, stream, prompt, **greedy) if callable(stream) else []
    problems = []
    for stop in _straddling_stops(prompt, text, pieces):
        expected = text[: text.find(stop)] if stop in text else text
        given = predicted_text(subject, model, prompt, new_tokens=NEW_TOKENS, **greedy, stop=stop)
        if given != expected:
            problems.append(f"stop={stop!r}: predict gave {given!r}")
        if callable(stream):
            streamed = _streamed(subject, stream, prompt, **greedy, stop=stop)
            if "".join(streamed) != expected:
                problems.append(f"stop={stop!r}: stream gave the pieces {streamed!r}")
        if problems:
            break
    if problems:
        raise fail(
            subject,
            f"after {prompt!r} (greedy text {text!r}, pieces {pieces!r}), a stop string must cut the text "
            "before its first occurrence in it, with predict and stream",
            "; ".join(problems),
            "look for stop strings in the decoded continuation only (not the prompt), and in a stream hold back "
            "any suffix that begins a stop string, however long",
        )
