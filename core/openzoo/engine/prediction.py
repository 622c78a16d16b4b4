"""Prediction: ``Model.predict`` on raw inputs, and streaming text generation.

The model decides how to read its raw inputs (image paths, texts, prompts, user
ids); the engine checks the predict options against the spec's declared
``predict_options``, runs without gradients under the device's autocast, and
checks that one record comes back per input.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch

from openzoo.engine.loading import LoadedRun
from openzoo.engine.options import resolve_declared
from openzoo.errors import BadInputError, PluginError

__all__ = ["can_stream", "check_texts", "predict_records", "stream_text"]


def _inputs_list(inputs: Any) -> list[Any]:
    if type(inputs) is list:  # the common case, without the Sequence ABC's isinstance machinery
        return inputs.copy()
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence):
        return [inputs]
    return list(inputs)


def _check_text(item: Any, what: str) -> None:
    """Refuse text that is not valid Unicode: bytes a non-UTF-8 terminal or file passed through as surrogates."""
    if not isinstance(item, str):
        return
    try:
        item.encode("utf-8")
    except UnicodeEncodeError as exc:
        raw = item[exc.start]
        byte = f"byte 0x{ord(raw) - 0xDC00:02x}" if 0xDC80 <= ord(raw) <= 0xDCFF else f"character {raw!r}"
        raise BadInputError(
            f"{what} is not valid UTF-8 text ({byte} at position {exc.start}); pass UTF-8 text "
            "(set the terminal to UTF-8, or convert the file: iconv -f latin1 -t utf-8 FILE)"
        ) from None


def check_texts(items: Sequence[Any]) -> None:
    """Refuse any text among ``items`` that is not valid Unicode, naming the input (``input 2``).

    Text from a command line, a file or a JSON request can carry bytes that are not UTF-8 (as lone
    surrogates); the CLI and the server call this on what they read, before the model sees it.
    """
    for number, item in enumerate(items, start=1):
        if isinstance(item, str) and not item.isascii():  # ASCII is valid UTF-8; only the rest needs a look
            _check_text(item, f"input {number}")


def predict_records(loaded: LoadedRun, inputs: Any, options: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return ``loaded.model.predict(inputs, **options)``, one record per input.

    Text that is not valid Unicode is named as bad input when the model fails on it
    (:func:`check_texts`; the CLI and the server check what they read up front).

    :raises BadInputError: for no inputs, an undeclared or mistyped option, or text the model cannot encode.
    :raises PluginError: when the model returns another number of records than inputs.
    """
    items = _inputs_list(inputs)
    if not items:
        raise BadInputError("give at least one input to predict on")
    resolved = (
        resolve_declared(options, loaded.spec.predict_options, f"predict of model {loaded.spec.name!r}")
        if options
        else {}
    )
    plan = loaded.device_plan
    try:
        with torch.set_grad_enabled(False), plan.backend.autocast(plan.precision):  # no_grad, at half its cost
            records = loaded.model.predict(items, **resolved)
    except UnicodeEncodeError:  # an input that is not valid text, found where the model needed its bytes
        check_texts(items)
        raise
    if not isinstance(records, list):
        records = list(records)
    if len(records) != len(items):
        raise PluginError(
            f"model {loaded.spec.name!r}: predict returned {len(records)} records for {len(items)} inputs; "
            "it must return one record per input"
        )
    return records


def can_stream(loaded: LoadedRun) -> bool:
    """Return whether the model offers ``stream(prompt, **options)``."""
    return callable(getattr(loaded.model, "stream", None))


def stream_text(loaded: LoadedRun, prompt: str, options: Mapping[str, Any]) -> Iterator[str]:
    """Yield the pieces of text the model generates for ``prompt`` as they come.

    Gradients and autocast are switched on and off around each piece, so nothing
    leaks into the caller's code between pieces.
    """
    _check_text(prompt, "the prompt")
    resolved = resolve_declared(options, loaded.spec.predict_options, f"predict of model {loaded.spec.name!r}")
    plan = loaded.device_plan
    if not can_stream(loaded):
        yield str(predict_records(loaded, [prompt], resolved)[0].get("text", ""))
        return
    pieces = loaded.model.stream(prompt, **resolved)
    while True:
        with torch.no_grad(), plan.backend.autocast(plan.precision):
            piece = next(pieces, None)
        if piece is None:
            return
        yield piece
