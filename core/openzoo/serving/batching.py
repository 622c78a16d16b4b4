"""Dynamic batching: requests that arrive close together share one model call.

The model runs on one worker thread (:class:`ModelWorker`), so the event loop keeps
accepting requests while a batch runs, and model code never runs on two threads
at once. :class:`DynamicBatcher` takes the first waiting request, then keeps
collecting requests with the *same options* until the batch holds
``max_batch_size`` inputs or ``timeout_s`` has passed since the first one; requests
with other options wait for the next batch. Requests that arrive while a batch
runs queue up and form the next one, so under load batches fill by themselves.

When a batch of several requests fails, each request is run alone, so one bad
input fails its own request and not its neighbours'.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar, final

__all__ = ["DynamicBatcher", "ModelWorker"]

T = TypeVar("T")

#: ``run_batch(inputs, options) -> records``: one model call, one record per input.
RunBatch = Callable[[list[Any], Mapping[str, Any]], list[Any]]


@final
class ModelWorker:
    """The one thread that runs model code; every call waits its turn."""

    __slots__ = ("_executor",)

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openzoo-model")

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` on the model thread and return its result."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def submit(self, function: Callable[..., Any], *args: Any) -> None:
        """Queue ``function(*args)`` on the model thread without waiting (cleanup work)."""
        self._executor.submit(function, *args)

    def shutdown(self) -> None:
        """Let queued work finish and stop the thread."""
        self._executor.shutdown(wait=True)


@dataclass(slots=True)
class _Request:
    inputs: list[Any]
    options: Mapping[str, Any]
    key: str
    future: asyncio.Future[list[Any]] = field(repr=False)


def _options_key(options: Mapping[str, Any]) -> str:
    return json.dumps(options, sort_keys=True, default=repr)


@final
class DynamicBatcher:
    """Groups concurrent requests into model calls of up to ``max_batch_size`` inputs."""

    def __init__(
        self,
        run_batch: RunBatch,
        worker: ModelWorker,
        *,
        max_batch_size: int,
        timeout_s: float,
        observe_batch: Callable[[int], None] = lambda size: None,
    ) -> None:
        if max_batch_size < 1 or timeout_s < 0:
            raise ValueError(f"max_batch_size must be >= 1 and timeout_s >= 0; got {max_batch_size}, {timeout_s}")
        self._run_batch = run_batch
        self._worker = worker
        self._max = max_batch_size
        self._timeout = timeout_s
        self._observe = observe_batch
        self._queue: asyncio.Queue[_Request] = asyncio.Queue()
        self._backlog: deque[_Request] = deque()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start collecting batches on the running event loop."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._serve(), name="openzoo-batcher")

    async def stop(self) -> None:
        """Stop collecting; requests still waiting are cancelled."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        for request in [*self._backlog, *_drain(self._queue)]:
            request.future.cancel()

    async def submit(self, inputs: Sequence[Any], options: Mapping[str, Any]) -> list[Any]:
        """Return the records of ``inputs`` once the batch holding them has run.

        :raises ValueError: for more inputs than ``max_batch_size`` (a request is never split).
        """
        if len(inputs) > self._max:
            raise ValueError(f"{len(inputs)} inputs exceed the batch size {self._max}")
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Request(list(inputs), dict(options), _options_key(options), future))
        return await future

    async def _serve(self) -> None:
        while True:
            batch = await self._collect()
            if batch:
                await self._run(batch)

    async def _collect(self) -> list[_Request]:
        """Return the next batch: the oldest request and later ones with the same options that fit."""
        first = self._backlog.popleft() if self._backlog else await self._queue.get()
        batch, size = [first], len(first.inputs)
        kept: deque[_Request] = deque()
        while self._backlog:  # requests held back earlier come before new ones
            request = self._backlog.popleft()
            if request.key == first.key and size + len(request.inputs) <= self._max:
                batch.append(request)
                size += len(request.inputs)
            else:
                kept.append(request)
        self._backlog = kept
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        while size < self._max:
            remaining = deadline - loop.time()
            if remaining <= 0 and self._queue.empty():
                break
            try:
                request = (
                    self._queue.get_nowait() if remaining <= 0 else await asyncio.wait_for(self._queue.get(), remaining)
                )
            except (TimeoutError, asyncio.TimeoutError, asyncio.QueueEmpty):
                break
            if request.key == first.key and size + len(request.inputs) <= self._max:
                batch.append(request)
                size += len(request.inputs)
            else:
                self._backlog.append(request)
        return [request for request in batch if not request.future.done()]  # drop requests whose client left

    async def _run(self, batch: list[_Request]) -> None:
        inputs = [item for request in batch for item in request.inputs]
        self._observe(len(inputs))
        try:
            records = await self._worker.call(self._run_batch, inputs, batch[0].options)
        except Exception as exc:  # noqa: BLE001 -- handed to the requests, never lost
            if len(batch) == 1:
                _settle(batch[0], exception=exc)
                return
            for request in batch:  # isolate the request that failed
                await self._run([request])
            return
        position = 0
        for request in batch:
            _settle(request, result=records[position : position + len(request.inputs)])
            position += len(request.inputs)


def _settle(request: _Request, *, result: list[Any] | None = None, exception: BaseException | None = None) -> None:
    if request.future.done():
        return
    if exception is not None:
        request.future.set_exception(exception)
    else:
        request.future.set_result(result or [])


def _drain(queue: asyncio.Queue[_Request]) -> list[_Request]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items
