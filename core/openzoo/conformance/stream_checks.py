"""Streaming: what a text generation model streams is what it predicts.

``openzoo predict`` prints a generation model's text as ``stream(prompt, **options)``
yields it, and the server's streamed completions are made of the same pieces, while
``--json``, the API and non-streamed completions return ``predict``'s text. The two
paths are often written twice (a streamer, a thread, a stop-string filter that must
hold back what might start a stop string), so they drift apart unnoticed.
"""

from __future__ import annotations

from typing import Any

from openzoo.conformance.declaration import check, fail
from openzoo.conformance.option_checks import NEVER_STOP, predicted_text, unique_character
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import sample_examples

__all__ = ["check_model_stream_joins_to_predicted_text"]

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
    names = {option.name for option in subject.spec.predict_options}
    greedy = {"do_sample": False} if "do_sample" in names else {}
    prompt = " ".join(str(sample_examples(subject.spec.task, subject.dataset, 1)[0]["text"]).split()[:4])
    text = predicted_text(subject, model, prompt, new_tokens=NEW_TOKENS, **greedy)
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
