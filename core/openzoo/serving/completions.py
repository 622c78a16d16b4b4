"""``POST /v1/completions``: OpenAI's completions API mapped onto the generation contract.

Existing OpenAI clients work unchanged: the request's ``max_tokens``,
``temperature``, ``top_p``, ``stop`` and ``seed`` become the model's declared
predict options (``max_new_tokens``, ``do_sample`` + ``temperature``, ``top_p``,
``stop``, ``seed``); a field the model does not declare is refused, never
silently ignored. Without ``stream`` the prompts go through ``predict`` (and the
dynamic batcher); with ``"stream": true`` the text comes from the model's
``stream`` as server-sent events, ending with ``data: [DONE]``.

Not supported (refused with 422 when set to anything but the default): ``n`` > 1,
``best_of`` > 1, ``logprobs``, ``suffix``. ``usage`` is ``null``: the contract does not
count prompt tokens.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from openzoo.serving.requests import RequestError
from openzoo.serving.settings import ServeSettings
from openzoo.specs import ModelSpec

__all__ = [
    "CompletionRequest",
    "completion_body",
    "completion_chunk",
    "completion_options",
    "new_completion_id",
    "prompts_of",
    "sse_event",
]

#: OpenAI's default ``max_tokens`` for completions.
DEFAULT_MAX_TOKENS = 16


class CompletionRequest(BaseModel):
    """The body of ``POST /v1/completions`` (the fields of OpenAI's API that apply)."""

    model_config = ConfigDict(extra="ignore")

    #: Model name; informational (the server serves one model), any value is accepted.
    model: str | None = None
    #: One prompt, or a list of prompts (not with ``stream``).
    prompt: StrictStr | list[StrictStr]
    #: Most new tokens per prompt (default 16, OpenAI's, or the server's limit when lower).
    max_tokens: int | None = Field(default=None, ge=1)
    #: 0 for greedy decoding; above 0 samples at that temperature.
    temperature: float | None = Field(default=None, ge=0)
    #: Nucleus sampling mass (samples).
    top_p: float | None = Field(default=None, gt=0, le=1)
    #: A stop string (or a list holding one).
    stop: StrictStr | list[StrictStr] | None = None
    #: Seed of the sampler: the same seed gives the same text.
    seed: int | None = None
    #: Stream the text as server-sent events.
    stream: bool = False
    #: Prepend the prompt to the returned text.
    echo: bool = False
    #: Completions per prompt: only 1.
    n: int = 1
    #: Candidates per prompt: only 1.
    best_of: int | None = None
    #: Token log-probabilities: not supported.
    logprobs: int | None = None
    #: Text after the completion: not supported.
    suffix: str | None = None


def prompts_of(request: CompletionRequest, settings: ServeSettings) -> list[str]:
    """Return the request's prompts, checked against the limits.

    :raises RequestError: 422 for no prompt, too many, too long a prompt, or several with ``stream``.
    """
    prompts = [request.prompt] if isinstance(request.prompt, str) else list(request.prompt)
    if not prompts:
        raise RequestError(422, "prompt is an empty list; send a prompt string")
    if request.stream and len(prompts) > 1:
        raise RequestError(422, f"stream takes one prompt; got {len(prompts)} (send one request per prompt)")
    if len(prompts) > settings.max_batch_size:
        raise RequestError(
            422, f"{len(prompts)} prompts exceed this server's limit of {settings.max_batch_size} (--max-batch-size)"
        )
    for position, prompt in enumerate(prompts):
        if len(prompt) > settings.max_prompt_chars:
            raise RequestError(
                422,
                f"prompt {position} has {len(prompt)} characters, more than this server's limit of "
                f"{settings.max_prompt_chars} (--max-prompt-chars); shorten it",
            )
    return prompts


def completion_options(request: CompletionRequest, spec: ModelSpec, settings: ServeSettings) -> dict[str, Any]:
    """Return the model's predict options for ``request``.

    :raises RequestError: 422 for an unsupported field, too many tokens, or an option the model lacks.
    """
    unsupported = {
        "n": request.n != 1,
        "best_of": request.best_of not in (None, 1),
        "logprobs": request.logprobs is not None,
        "suffix": request.suffix is not None,
    }
    refused = [name for name, bad in unsupported.items() if bad]
    if refused:
        raise RequestError(422, f"{', '.join(refused)} not supported by this server; leave them at their defaults")
    max_tokens = request.max_tokens or min(DEFAULT_MAX_TOKENS, settings.max_new_tokens)
    if max_tokens > settings.max_new_tokens:
        raise RequestError(
            422,
            f"max_tokens={max_tokens} is more than this server allows ({settings.max_new_tokens}, --max-new-tokens)",
        )
    options: dict[str, Any] = {"max_new_tokens": max_tokens}
    if request.temperature is not None:
        options["do_sample"] = request.temperature > 0
        if request.temperature > 0:
            options["temperature"] = request.temperature
    if request.top_p is not None:
        options["top_p"] = request.top_p
        options.setdefault("do_sample", True)
    stops = [request.stop] if isinstance(request.stop, str) else list(request.stop or [])
    if len(stops) > 1:
        raise RequestError(422, f"this server takes one stop string; got {len(stops)}")
    if stops:
        options["stop"] = stops[0]
    if request.seed is not None:
        options["seed"] = request.seed
    declared = {option.name for option in spec.predict_options}
    missing = sorted(set(options) - declared)
    if missing:
        raise RequestError(422, f"model {spec.name!r} has no predict option(s) {', '.join(missing)}; leave them unset")
    return options


def completion_body(
    completion_id: str,
    model: str,
    prompts: Sequence[str],
    records: Sequence[Mapping[str, Any]],
    echo: bool,
    max_new_tokens: int,
) -> dict[str, Any]:
    """Return OpenAI's ``text_completion`` object for the predict records of ``prompts``."""
    choices = []
    for index, (prompt, record) in enumerate(zip(prompts, records)):
        text = str(record.get("text", ""))
        tokens = record.get("tokens")
        finish = "length" if isinstance(tokens, int) and tokens >= max_new_tokens else "stop"
        choices.append(
            {"text": prompt + text if echo else text, "index": index, "logprobs": None, "finish_reason": finish}
        )
    return {
        "id": completion_id,
        "object": "text_completion",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
        "usage": None,
    }


def completion_chunk(completion_id: str, model: str, text: str, finish_reason: str | None = None) -> dict[str, Any]:
    """Return one streamed ``text_completion`` chunk."""
    return {
        "id": completion_id,
        "object": "text_completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish_reason}],
    }


def new_completion_id() -> str:
    """Return a fresh ``cmpl-...`` id."""
    return f"cmpl-{uuid.uuid4().hex}"


def sse_event(data: Any) -> bytes:
    """Return one server-sent event carrying ``data`` (JSON, or the literal ``[DONE]``)."""
    payload = data if isinstance(data, str) else json.dumps(data, default=str)
    return f"data: {payload}\n\n".encode()
