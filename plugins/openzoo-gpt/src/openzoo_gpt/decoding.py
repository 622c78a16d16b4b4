"""Decoding options of ``predict`` and ``stream``, and stop strings. Pure Python, no torch.

:func:`parse_decoding_options` turns the keyword options a caller passes into a
validated :class:`DecodingOptions`; ``None`` means "not set". :func:`cut_at_stop`
and :class:`StopStringFilter` end text before the first stop string, the latter
for text that arrives in pieces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, final

from openzoo import BadInputError, UnknownNameError

__all__ = ["DecodingOptions", "StopStringFilter", "cut_at_stop", "parse_decoding_options"]

#: Generated tokens when ``max_new_tokens`` is not set.
DEFAULT_MAX_NEW_TOKENS = 64
_SAMPLING = ("temperature", "top_k", "top_p")
_NEUTRAL = {"temperature": 1.0, "top_k": 0, "top_p": 1.0}


@final
@dataclass(frozen=True, slots=True)
class DecodingOptions:
    """How to continue a prompt; the names are the ``predict`` option names."""

    #: The most tokens to generate; fewer when the context fills up or the model ends the text.
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    #: Sample from the distribution (True) or take the most likely token (False, greedy).
    do_sample: bool = False
    #: Logits are divided by this before sampling; below 1 sharpens, above 1 flattens.
    temperature: float = 1.0
    #: Sample among the ``top_k`` most likely tokens; 0 keeps all.
    top_k: int = 0
    #: Sample from the smallest set of tokens whose probability reaches ``top_p``; 1.0 keeps all.
    top_p: float = 1.0
    #: Divide the scores of tokens already in the text by this (CTRL's penalty); 1.0 is none.
    repetition_penalty: float = 1.0
    #: Seed of the sampler; ``None`` draws from torch's global generator.
    seed: int | None = None
    #: Generation ends before the first occurrence of any of these strings.
    stop: tuple[str, ...] = ()
    #: Reuse attention keys and values between steps (same tokens, faster).
    use_cache: bool = True


_NAMES = tuple(f.name for f in fields(DecodingOptions))


def _check_type(name: str, value: Any, kind: type) -> None:
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = isinstance(value, int) and not isinstance(value, bool)
    if not ok:
        raise BadInputError(f"predict option {name}={value!r} must be of type {kind.__name__}")


def _parse_stop(value: Any) -> tuple[str, ...]:
    stops = (value,) if isinstance(value, str) else value
    if not isinstance(stops, (list, tuple)) or not all(isinstance(s, str) for s in stops):
        raise BadInputError(f"predict option stop={value!r} must be a string or a list of strings")
    if any(s == "" for s in stops):
        raise BadInputError("predict option stop contains an empty string; every stop string needs a character")
    return tuple(stops)


def parse_decoding_options(options: Mapping[str, Any]) -> DecodingOptions:
    """Validate ``options`` (``predict``'s keyword arguments) into :class:`DecodingOptions`.

    ``do_sample`` left unset means "sample when ``temperature``, ``top_k`` or ``top_p``
    is set". Sampling options with ``do_sample=False`` are an error unless neutral.

    :raises UnknownNameError: for an option name ``predict`` does not take.
    :raises BadInputError: for a value of the wrong type or out of range.
    """
    for name in options:
        if name not in _NAMES:
            raise UnknownNameError("predict option of model 'gpt'", name, _NAMES)
    given = {name: value for name, value in options.items() if value is not None}
    types = {"max_new_tokens": int, "do_sample": bool, "temperature": float, "top_k": int, "top_p": float}
    types |= {"repetition_penalty": float, "seed": int, "use_cache": bool}
    for name, kind in types.items():
        if name in given:
            _check_type(name, given[name], kind)
    if "stop" in given:
        given["stop"] = _parse_stop(given["stop"])
    for name in ("temperature", "top_p", "repetition_penalty"):
        if name in given:
            given[name] = float(given[name])
    if given.get("max_new_tokens", 1) < 1:
        raise BadInputError(f"predict option max_new_tokens={given['max_new_tokens']} must be at least 1")
    if given.get("temperature", 1.0) <= 0:
        raise BadInputError(
            f"predict option temperature={given['temperature']} must be > 0; for greedy decoding set do_sample=false"
        )
    if given.get("top_k", 0) < 0:
        raise BadInputError(f"predict option top_k={given['top_k']} must be >= 0 (0 keeps every token)")
    if not 0 < given.get("top_p", 1.0) <= 1:
        raise BadInputError(f"predict option top_p={given['top_p']} must be in (0, 1]")
    if given.get("repetition_penalty", 1.0) <= 0:
        raise BadInputError(f"predict option repetition_penalty={given['repetition_penalty']} must be > 0")
    if "do_sample" not in given:
        given["do_sample"] = any(name in given for name in _SAMPLING)
    elif not given["do_sample"]:
        active = [name for name in _SAMPLING if name in given and given[name] != _NEUTRAL[name]]
        if active:
            raise BadInputError(
                f"predict options {', '.join(active)} only apply when sampling; set do_sample=true or drop them"
            )
    return DecodingOptions(**given)


def cut_at_stop(text: str, stops: tuple[str, ...]) -> tuple[str, bool]:
    """Return ``text`` up to the first occurrence of any stop string, and whether one occurred."""
    positions = [i for i in (text.find(stop) for stop in stops) if i != -1]
    if not positions:
        return text, False
    return text[: min(positions)], True


@final
class StopStringFilter:
    """Cut streamed text before the first stop string, holding back what might start one.

    ``feed`` returns the part of the text so far that is certainly before any stop
    string; ``flush`` returns the rest once the stream has ended. After a stop string
    was seen, :attr:`stopped` is True and both return ``""``.
    """

    __slots__ = ("_held", "_stops", "stopped")

    def __init__(self, stops: tuple[str, ...]) -> None:
        self._stops = stops
        self._held = ""
        #: True once a stop string has been seen.
        self.stopped = False

    def feed(self, piece: str) -> str:
        if self.stopped:
            return ""
        text, self.stopped = cut_at_stop(self._held + piece, self._stops)
        if self.stopped:
            self._held = ""
            return text
        keep = self._partial_suffix(text)
        self._held = text[len(text) - keep :] if keep else ""
        return text[: len(text) - keep]

    def flush(self) -> str:
        held, self._held = self._held, ""
        return "" if self.stopped else held

    def _partial_suffix(self, text: str) -> int:
        """Length of the longest suffix of ``text`` that is a proper prefix of a stop string."""
        longest = 0
        for stop in self._stops:
            for size in range(min(len(stop) - 1, len(text)), longest, -1):
                if text.endswith(stop[:size]):
                    longest = size
                    break
        return longest
