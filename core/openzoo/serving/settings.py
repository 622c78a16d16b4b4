"""The options of ``openzoo serve``: where it listens, how it batches, and the request limits."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any, final

from openzoo.engine.settings import max_workers, usable_cpus
from openzoo.errors import BadInputError

__all__ = ["ServeSettings"]


@final
@dataclass(frozen=True, slots=True)
class ServeSettings:
    """Everything ``openzoo serve`` was asked for; validated when it is made."""

    #: The run directory whose model is served.
    run_dir: str
    #: Interface to bind; ``127.0.0.1`` keeps the server private to this machine.
    host: str = "127.0.0.1"
    #: TCP port (0 picks a free one).
    port: int = 8000
    #: uvicorn worker processes, each with its own copy of the model.
    workers: int = 1
    #: Most inputs one model call takes; also the most inputs one request may carry.
    max_batch_size: int = 32
    #: How long the batcher waits for more requests after the first one arrives, in milliseconds.
    batch_timeout_ms: float = 5.0
    #: ``--device`` of the model (``auto``, ``cpu``, ``cuda`` ...).
    device: str = "auto"
    #: Autocast precision (``fp32``, ``bf16``, ``fp16``); ``None`` means fp32.
    precision: str | None = None
    #: A directory ``openzoo export --format onnx`` wrote: run the forward pass with onnxruntime.
    onnx_dir: str | None = None
    #: Largest request body accepted, in bytes (larger ones get 413).
    max_body_bytes: int = 16 * 1024 * 1024
    #: Longest text input or prompt accepted, in characters.
    max_prompt_chars: int = 4096
    #: Most new tokens a generation request may ask for.
    max_new_tokens: int = 512

    def __post_init__(self) -> None:
        positive = {
            "--port": (self.port, 0),
            "--workers": (self.workers, 1),
            "--max-batch-size": (self.max_batch_size, 1),
            "--max-body-bytes": (self.max_body_bytes, 1),
            "--max-prompt-chars": (self.max_prompt_chars, 1),
            "--max-new-tokens": (self.max_new_tokens, 1),
        }
        for flag, (value, low) in positive.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise BadInputError(f"{flag} must be an integer of at least {low}; got {value!r}")
        most = max_workers()
        if self.workers > most:
            raise BadInputError(
                f"--workers {self.workers} would start {self.workers} server processes, each with its own copy of the "
                f"model, and this machine has {usable_cpus()} usable CPU(s): give at most {most}"
            )
        if self.port > 65535:
            raise BadInputError(f"--port must be at most 65535; got {self.port}")
        if not isinstance(self.batch_timeout_ms, (int, float)) or not 0 <= self.batch_timeout_ms <= 10_000:
            raise BadInputError(f"--batch-timeout-ms must be between 0 and 10000; got {self.batch_timeout_ms!r}")
        if not os.path.isdir(self.run_dir):
            raise BadInputError(f"run directory {self.run_dir} does not exist; serve a directory 'openzoo train' wrote")
        if self.onnx_dir is not None and not os.path.isdir(self.onnx_dir):
            raise BadInputError(f"--onnx {self.onnx_dir} is not a directory; pass what 'openzoo export --out' wrote")

    def to_json(self) -> dict[str, Any]:
        """Return the settings as a JSON object (how worker processes receive them)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServeSettings:
        """Rebuild settings that :meth:`to_json` wrote."""
        return cls(**data)
