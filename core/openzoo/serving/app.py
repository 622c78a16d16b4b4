"""The ASGI application of ``openzoo serve``: FastAPI routes over one loaded run.

Routes: ``GET /health``, ``GET /v1/model``, ``POST /v1/predict``, ``POST /v1/completions``
(text generation), ``GET /metrics`` and the OpenAPI page at ``/docs``. Every refusal
is a JSON error object (``{"error": {"message", "type", ...}}``) with a 4xx status;
an unexpected failure is a 500 whose body names the error type only, while the
traceback goes to the server's log. The server keeps serving after either.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from openzoo.engine.loading import LoadedRun
from openzoo.engine.options import resolve_declared
from openzoo.engine.prediction import check_texts, predict_records, stream_text
from openzoo.errors import BadInputError, OpenzooError
from openzoo.serving import completions as comp
from openzoo.serving.batching import DynamicBatcher, ModelWorker
from openzoo.serving.model_card import describe_run
from openzoo.serving.monitoring import BodyLimitMiddleware, BodyTooLarge, ServerMetrics, endpoint_label, error_body
from openzoo.serving.requests import PredictRequest, RequestError, decode_inputs, parse_json_body, parse_multipart
from openzoo.serving.settings import ServeSettings
from openzoo.tasks import TEXT_GENERATION

__all__ = ["create_app"]

log = logging.getLogger("openzoo.serving")
_END = object()

_PREDICT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": PredictRequest.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "inputs": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "options": {"type": "string", "description": "predict options as a JSON object"},
                    },
                    "required": ["inputs"],
                }
            },
        },
    }
}
_COMPLETIONS_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": comp.CompletionRequest.model_json_schema()}},
    }
}


def create_app(loaded: LoadedRun, settings: ServeSettings, *, backend: str = "torch") -> Any:
    """Return the ASGI app serving ``loaded`` (FastAPI inside the body-limit and metrics middleware)."""
    metrics = ServerMetrics()
    worker = ModelWorker()
    batcher = DynamicBatcher(
        lambda inputs, options: predict_records(loaded, inputs, options),
        worker,
        max_batch_size=settings.max_batch_size,
        timeout_s=settings.batch_timeout_ms / 1000,
        observe_batch=metrics.batch_size.observe,
    )
    spec = loaded.spec
    limits = {
        "max_batch_size": settings.max_batch_size,
        "batch_timeout_ms": settings.batch_timeout_ms,
        "max_body_bytes": settings.max_body_bytes,
        "max_prompt_chars": settings.max_prompt_chars,
        "max_new_tokens": settings.max_new_tokens,
    }
    card = describe_run(loaded, backend=backend, limits=limits)
    state = {"ready": False}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        batcher.start()
        state["ready"] = True
        try:
            yield
        finally:
            state["ready"] = False
            await batcher.stop()
            worker.shutdown()

    app = FastAPI(
        title=f"openzoo serve: {spec.name}",
        description=f"A {loaded.task.name} model of run {card['run']} served by openzoo.",
        version=card["versions"]["openzoo"] or "unknown",
        lifespan=lifespan,
    )

    def refuse(endpoint: str, status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
        metrics.errors.labels(endpoint_label(endpoint), kind if status < 500 else "server_error").inc()
        return JSONResponse(error_body(message, kind), status_code=status)

    @app.exception_handler(RequestError)
    async def on_request_error(request: Request, exc: RequestError) -> JSONResponse:
        return refuse(request.url.path, exc.status, str(exc), exc.kind)

    @app.exception_handler(BodyTooLarge)
    async def on_body_too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return refuse(request.url.path, 413, str(exc), "body_too_large")

    @app.exception_handler(BadInputError)
    async def on_bad_input(request: Request, exc: BadInputError) -> JSONResponse:
        return refuse(request.url.path, 422, str(exc))

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return refuse(request.url.path, 422, str(exc.errors()[:3]))

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> JSONResponse:
        return refuse(
            request.url.path,
            exc.status_code,
            str(exc.detail),
            "not_found" if exc.status_code == 404 else "invalid_request_error",
        )

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error answering %s %s", request.method, request.url.path)
        reason = str(exc) if isinstance(exc, OpenzooError) else f"unexpected {type(exc).__name__}; see the server's log"
        return refuse(request.url.path, 500, reason, "server_error")

    def checked_options(options: Mapping[str, Any]) -> dict[str, Any]:
        resolved = resolve_declared(options, spec.predict_options, f"predict of model {spec.name!r}")
        tokens = resolved.get("max_new_tokens")
        if isinstance(tokens, int) and tokens > settings.max_new_tokens:
            raise RequestError(
                422,
                f"max_new_tokens={tokens} is more than this server allows ({settings.max_new_tokens}, --max-new-tokens)",
            )
        return resolved

    @app.get("/health", summary="Readiness: 200 once the model is loaded and serving, 503 while stopping.")
    async def health() -> JSONResponse:
        if not state["ready"]:
            return JSONResponse({"status": "unavailable", "model": spec.name}, status_code=503)
        return JSONResponse({"status": "ready", "model": spec.name})

    @app.get("/v1/model", summary="The served model: name, preset, task, labels, versions, best metric, limits.")
    async def model() -> JSONResponse:
        return JSONResponse(card)

    @app.post(
        "/v1/predict",
        summary="One record per input, exactly as `openzoo predict --json` prints them.",
        openapi_extra=_PREDICT_BODY,
    )
    async def predict(request: Request) -> Response:
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = await request.form(max_files=settings.max_batch_size, max_fields=settings.max_batch_size + 1)
            raw_inputs, options = await parse_multipart(form)
        else:
            parsed = parse_json_body(await request.body(), PredictRequest)
            raw_inputs, options = parsed.inputs, parsed.options
        resolved = checked_options(options)
        inputs = await run_in_threadpool(decode_inputs, raw_inputs, loaded.task.name, settings)
        check_texts(inputs)  # refused for this request alone, not for the batch it would join
        records = await batcher.submit(inputs, resolved)
        metrics.inputs.inc(len(inputs))
        return Response(json.dumps({"records": records}, default=str), media_type="application/json")

    @app.post(
        "/v1/completions",
        summary='OpenAI-compatible text completions; `"stream": true` sends server-sent events.',
        openapi_extra=_COMPLETIONS_BODY,
    )
    async def completions(request: Request) -> Response:
        parsed = parse_json_body(await request.body(), comp.CompletionRequest)
        if loaded.task.name != TEXT_GENERATION:
            raise RequestError(
                404,
                f"model {spec.name!r} does {loaded.task.name}; /v1/completions serves text generation, use /v1/predict",
            )
        prompts = comp.prompts_of(parsed, settings)
        options = checked_options(comp.completion_options(parsed, spec, settings))
        completion_id = comp.new_completion_id()
        if not parsed.stream:
            check_texts(prompts)
            records = await batcher.submit(prompts, options)
            metrics.inputs.inc(len(prompts))
            body = comp.completion_body(
                completion_id, spec.name, prompts, records, parsed.echo, options["max_new_tokens"]
            )
            return JSONResponse(body)
        pieces = stream_text(loaded, prompts[0], options)
        first = await worker.call(next, pieces, _END)  # a bad prompt fails here, as a JSON error
        metrics.inputs.inc()
        return StreamingResponse(
            _events(pieces, first, prompts[0] if parsed.echo else "", completion_id, options["max_new_tokens"]),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def _events(
        pieces: Any, first: Any, echo: str, completion_id: str, max_new_tokens: int
    ) -> AsyncIterator[bytes]:
        count, piece = 0, first
        try:
            if echo:
                yield comp.sse_event(comp.completion_chunk(completion_id, spec.name, echo))
            while piece is not _END:
                count += 1
                yield comp.sse_event(comp.completion_chunk(completion_id, spec.name, piece))
                piece = await worker.call(next, pieces, _END)
            finish = "length" if count >= max_new_tokens else "stop"
            yield comp.sse_event(comp.completion_chunk(completion_id, spec.name, "", finish))
            yield comp.sse_event("[DONE]")
        except (asyncio.CancelledError, GeneratorExit):
            metrics.errors.labels("/v1/completions", "disconnect").inc()
            raise
        except Exception as exc:
            log.exception("error while streaming a completion")
            metrics.errors.labels("/v1/completions", "server_error").inc()
            reason = str(exc) if isinstance(exc, OpenzooError) else f"unexpected {type(exc).__name__}"
            yield comp.sse_event(error_body(reason, "server_error"))
            yield comp.sse_event("[DONE]")
        finally:
            worker.submit(pieces.close)

    @app.get("/metrics", summary="Prometheus metrics: requests, latency, batch sizes, errors.")
    async def prometheus_metrics() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    return BodyLimitMiddleware(app, max_bytes=settings.max_body_bytes, metrics=metrics)
