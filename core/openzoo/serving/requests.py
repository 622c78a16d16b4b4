"""Request bodies of ``POST /v1/predict``, their limits, and decoding raw inputs for the task.

Inputs travel as strings: texts, prompts and user ids as they are, images as
base64 (optionally a ``data:image/...;base64,`` URL) or as multipart file
uploads. A server never reads paths from requests, so an image given as a path
is rejected. Every problem raises :class:`RequestError` with the HTTP status and
a message that names the input and the fix.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from collections.abc import Sequence
from typing import Any, final

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError

from openzoo.serving.settings import ServeSettings
from openzoo.tasks import IMAGE_CLASSIFICATION

__all__ = [
    "PredictRequest",
    "RequestError",
    "decode_inputs",
    "parse_json_body",
    "parse_multipart",
    "validation_message",
]

#: JSON values an option may take.
OptionValue = StrictBool | StrictInt | StrictFloat | StrictStr | list[StrictStr]


@final
class RequestError(Exception):
    """A request the server refuses: an HTTP status and a message for the client."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        #: HTTP status code of the error response.
        self.status = status
        #: Error type, as in OpenAI's error objects (``invalid_request_error``).
        self.kind = kind


class PredictRequest(BaseModel):
    """The body of ``POST /v1/predict``."""

    model_config = ConfigDict(extra="forbid")

    #: Raw inputs of the task: texts, prompts, user ids, or base64-encoded images.
    inputs: list[StrictStr] = Field(
        description="Raw inputs: texts, prompts or user ids; images as base64 (or data: URLs).",
        examples=[["a gripping, funny film"]],
    )
    #: The model's predict options (``top_k``, ``max_new_tokens`` ...), as ``openzoo predict -o`` takes them.
    options: dict[str, OptionValue] = Field(default_factory=dict, description="Predict options, e.g. {'top_k': 3}.")


def validation_message(error: ValidationError) -> str:
    """Return pydantic's errors as one line: ``inputs.1: Input should be a valid string; ...``."""
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(part) for part in item.get("loc", ())) or "body"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "; ".join(parts)


def parse_json_body(body: bytes, model: type[BaseModel]) -> Any:
    """Parse and validate a JSON body as ``model``.

    :raises RequestError: 400 for malformed JSON, 422 for a body of the wrong shape or types.
    """
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestError(400, f"the request body is not valid JSON ({exc}); send a JSON object") from None
    if not isinstance(data, dict):
        raise RequestError(422, f"the request body must be a JSON object; got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestError(422, validation_message(exc)) from None


async def parse_multipart(form: Any) -> tuple[list[Any], dict[str, Any]]:
    """Return the inputs and options of a multipart form (a Starlette ``FormData``).

    Each ``inputs`` field is a file upload (read to bytes) or a text value; an optional
    ``options`` field holds the options as a JSON object.
    """
    inputs: list[Any] = []
    for value in form.getlist("inputs"):
        inputs.append(value if isinstance(value, str) else await value.read())
    raw = form.get("options")
    options: dict[str, Any] = {}
    if raw is not None:
        try:
            options = json.loads(raw if isinstance(raw, str) else "")
        except json.JSONDecodeError as exc:
            raise RequestError(400, f"the 'options' form field is not valid JSON ({exc})") from None
        if not isinstance(options, dict):
            raise RequestError(422, "the 'options' form field must be a JSON object, for example {\"top_k\": 3}")
    try:
        checked = PredictRequest.model_validate({"inputs": [], "options": options})
    except ValidationError as exc:
        raise RequestError(422, validation_message(exc)) from None
    return inputs, checked.options


def decode_inputs(inputs: Sequence[Any], task: str, settings: ServeSettings) -> list[Any]:
    """Check the request's inputs against the limits and turn them into what ``predict`` takes.

    ``inputs`` holds strings (JSON) or upload bytes (multipart). Image tasks get
    ``PIL`` images; every other task gets the strings.

    :raises RequestError: 422 for no inputs, too many, too long a text, or an undecodable image.
    """
    if not inputs:
        raise RequestError(422, 'inputs is empty; send at least one input, for example {"inputs": ["..."]}')
    if len(inputs) > settings.max_batch_size:
        raise RequestError(
            422,
            f"{len(inputs)} inputs exceed this server's limit of {settings.max_batch_size} per request "
            "(--max-batch-size); split them into several requests",
        )
    if task == IMAGE_CLASSIFICATION:
        return [_decode_image(item, position) for position, item in enumerate(inputs)]
    decoded = []
    for position, item in enumerate(inputs):
        text = item.decode("utf-8", errors="strict") if isinstance(item, bytes) else item
        if not isinstance(text, str):
            raise RequestError(422, f"inputs.{position}: expected a string; got {type(item).__name__}")
        if len(text) > settings.max_prompt_chars:
            raise RequestError(
                422,
                f"inputs.{position} has {len(text)} characters, more than this server's limit of "
                f"{settings.max_prompt_chars} (--max-prompt-chars); shorten it",
            )
        decoded.append(text)
    return decoded


def _decode_image(item: Any, position: int) -> Any:
    """Return the image in ``item`` (upload bytes, or base64 text) as a fully read ``PIL`` image."""
    data = item if isinstance(item, bytes) else _base64_bytes(item, position)
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # pragma: no cover -- image plugins install pillow
        raise RequestError(500, "this server cannot decode images: pillow is not installed", "server_error") from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.copy()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise RequestError(
            422, f"inputs.{position} is not a decodable image ({type(exc).__name__}); send a PNG or JPEG file"
        ) from None


def _base64_bytes(text: str, position: int) -> bytes:
    payload = text.split(",", 1)[1] if text.startswith("data:") and "," in text else text
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError(
            422,
            f"inputs.{position} is not base64; send images base64-encoded (or as a data: URL, or as a "
            "multipart upload) -- the server never reads file paths",
        ) from None
