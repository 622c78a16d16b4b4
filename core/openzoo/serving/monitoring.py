"""Prometheus metrics of the server, and the ASGI middleware that records them and limits bodies.

Metrics (``GET /metrics``, Prometheus text format):

- ``openzoo_requests_total{endpoint, status}``: requests answered, by HTTP status;
- ``openzoo_request_duration_seconds{endpoint}``: latency histogram, to the last byte sent;
- ``openzoo_batch_size``: inputs per model call (a histogram: > 1 means batching works);
- ``openzoo_errors_total{endpoint, kind}``: refused or failed requests by error kind, and
  client disconnects (``kind="disconnect"``);
- ``openzoo_inputs_total``: inputs predicted on.

With several uvicorn workers, ``PROMETHEUS_MULTIPROC_DIR`` is set and ``/metrics``
sums every worker's values (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, final

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

__all__ = ["BodyLimitMiddleware", "BodyTooLarge", "ServerMetrics", "endpoint_label", "error_body"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


@final
class ServerMetrics:
    """The server's metrics, on a registry of their own (two apps in one process never mix)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "openzoo_requests",
            "Requests answered, by endpoint and HTTP status.",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "openzoo_request_duration_seconds",
            "Time from request to last byte sent.",
            ["endpoint"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "openzoo_batch_size", "Inputs per model call.", buckets=_BATCH_BUCKETS, registry=self.registry
        )
        self.errors = Counter(
            "openzoo_errors",
            "Refused or failed requests, by endpoint and kind.",
            ["endpoint", "kind"],
            registry=self.registry,
        )
        self.inputs = Counter("openzoo_inputs", "Inputs predicted on.", registry=self.registry)

    def exposition(self) -> tuple[bytes, str]:
        """Return the metrics page and its content type (every worker's sum in multiprocess mode)."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


@final
class BodyTooLarge(Exception):
    """Raised while reading a body that passes the limit; the app and the middleware answer 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            f"the request body is larger than this server's limit of {max_bytes} bytes (--max-body-bytes); "
            "send fewer or smaller inputs per request"
        )


@final
class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, and count every request in the metrics.

    A declared ``Content-Length`` over the limit is refused before the body is read; a
    chunked body is cut off once it passes the limit.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, metrics: ServerMetrics) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        endpoint = endpoint_label(scope.get("path", ""))
        started = time.perf_counter()
        status = {"code": 500, "started": False}

        async def send_counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["started"] = message["status"], True
            await send(message)

        declared = _content_length(scope)
        try:
            if declared is not None and declared > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
            await self.app(scope, self._limited(receive), send_counted)
        except BodyTooLarge as exc:
            if status["started"]:
                raise
            self.metrics.errors.labels(endpoint, "body_too_large").inc()
            await _send_json(send_counted, 413, str(exc))
        finally:
            self.metrics.requests.labels(endpoint, str(status["code"])).inc()
            self.metrics.latency.labels(endpoint).observe(time.perf_counter() - started)

    def _limited(self, receive: Receive) -> Receive:
        seen = 0

        async def receive_limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        return receive_limited


def error_body(message: str, kind: str = "invalid_request_error") -> dict[str, Any]:
    """Return the JSON error object every refusal uses (the shape of OpenAI's errors)."""
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


async def _send_json(send: Send, status: int, message: str) -> None:
    body = json.dumps(error_body(message)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def endpoint_label(path: str) -> str:
    """Return ``path`` as a metrics label: a known route, else ``other`` (labels stay few)."""
    known = ("/v1/predict", "/v1/completions", "/v1/model", "/health", "/metrics", "/docs", "/openapi.json")
    return path if path in known else "other"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
