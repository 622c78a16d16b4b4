"""Deployment: ``openzoo serve`` (an HTTP server for a run) and ``openzoo export`` (ONNX).

Everything here works on a loaded run through the model contract
(:meth:`~openzoo.protocols.Model.predict`, ``stream`` of text generation models,
``module`` and ``collate``), never on a plugin's internals, so any plugin's model
is servable and exportable without plugin code.

Why FastAPI + uvicorn and a small batcher of our own, rather than LitServe (0.2.19):

- LitServe is itself FastAPI on uvicorn (plus pyzmq and ``uvicorn[standard]``); what it
  adds is inference in separate worker *processes* fed over queues, batching of one
  decoded input per request, and an OpenAI *chat* spec. openzoo needs the opposite:
  one ``predict(inputs, **options)`` call per batch on the model this process loaded,
  a request may carry several inputs, requests with different options (``top_k=3``
  and ``top_k=5``) must not share a batch, and the endpoint asked for is OpenAI's
  (non-chat) completions API. Fitting that into LitServe's ``LitAPI`` would mean
  working around its batching, not using it.
- FastAPI (on Starlette, served by uvicorn) gives validation, the OpenAPI page and
  streaming responses; the dynamic batcher (:mod:`openzoo.serving.batching`) is about
  a hundred lines of asyncio whose behaviour the tests pin down. Both run offline.
- ``prometheus-client`` exposes the metrics; ``python-multipart`` reads uploads.

Modules, one job each:

- :mod:`~openzoo.serving.extras`: the optional extras, and the message when one is missing.
- :mod:`~openzoo.serving.settings`: the server's options and request limits.
- :mod:`~openzoo.serving.batching`: the dynamic batcher and the model's worker thread.
- :mod:`~openzoo.serving.requests`: request bodies, limits and decoding of inputs.
- :mod:`~openzoo.serving.completions`: the OpenAI-compatible completions endpoint's mapping.
- :mod:`~openzoo.serving.monitoring`: Prometheus metrics and the body size limit.
- :mod:`~openzoo.serving.app`: the ASGI application.
- :mod:`~openzoo.serving.server`: loading the run and running uvicorn.
- :mod:`~openzoo.serving.onnx_export` and :mod:`~openzoo.serving.onnx_runtime`: export
  to ONNX, its verification, and running an export with onnxruntime.

Importing this package imports nothing heavy; the server stack is imported by its modules.
"""

from __future__ import annotations
