"""Dynamic batching: the batcher's rules in process, and 64 concurrent requests against a real server."""

from __future__ import annotations

import asyncio
import threading

import pytest

from openzoo.serving.batching import DynamicBatcher, ModelWorker

from .conftest import b64, png_bytes


def _recording_batcher(max_batch_size: int, timeout_s: float, fail_on: str | None = None):
    """A batcher over a fake model that echoes its inputs and records every call."""
    calls: list[tuple[list[str], dict]] = []

    def run_batch(inputs, options):
        calls.append((list(inputs), dict(options)))
        if fail_on in inputs:
            raise ValueError(f"cannot predict {fail_on}")
        return [f"{item}:{options.get('k', '-')}" for item in inputs]

    return DynamicBatcher(run_batch, ModelWorker(), max_batch_size=max_batch_size, timeout_s=timeout_s), calls


def test_requests_with_the_same_options_share_a_model_call():
    async def scenario():
        batcher, calls = _recording_batcher(max_batch_size=8, timeout_s=5.0)
        batcher.start()
        results = await asyncio.gather(*(batcher.submit([f"x{i}"], {"k": 1}) for i in range(8)))
        await batcher.stop()
        return results, calls

    results, calls = asyncio.run(scenario())
    assert results == [[f"x{i}:1"] for i in range(8)]
    assert calls == [([f"x{i}" for i in range(8)], {"k": 1})]  # full at 8: no waiting for the timeout


def test_requests_with_other_options_never_share_a_batch():
    async def scenario():
        batcher, calls = _recording_batcher(max_batch_size=8, timeout_s=0.5)
        batcher.start()
        results = await asyncio.gather(*(batcher.submit([f"x{i}"], {"k": i % 2}) for i in range(6)))
        await batcher.stop()
        return results, calls

    results, calls = asyncio.run(scenario())
    assert results == [[f"x{i}:{i % 2}"] for i in range(6)]
    for inputs, options in calls:
        assert {int(item[1:]) % 2 for item in inputs} == {options["k"]}
    assert sum(len(inputs) for inputs, _ in calls) == 6


def test_a_batch_never_exceeds_the_batch_size_and_a_request_is_never_split():
    async def scenario():
        batcher, calls = _recording_batcher(max_batch_size=5, timeout_s=0.5)
        batcher.start()
        sizes = [3, 2, 4, 1, 5]
        requests = [[f"r{n}-{i}" for i in range(size)] for n, size in enumerate(sizes)]
        results = await asyncio.gather(*(batcher.submit(inputs, {}) for inputs in requests))
        await batcher.stop()
        return requests, results, calls

    requests, results, calls = asyncio.run(scenario())
    assert results == [[f"{item}:-" for item in inputs] for inputs in requests]
    assert all(len(inputs) <= 5 for inputs, _ in calls)
    for inputs in requests:
        assert any(call[0][i : i + len(inputs)] == inputs for call in calls for i in range(len(call[0])))


def test_a_failing_input_fails_only_its_own_request():
    async def scenario():
        batcher, _ = _recording_batcher(max_batch_size=8, timeout_s=5.0, fail_on="bad")
        batcher.start()
        items = ["a", "b", "bad", "c", "d", "e", "f", "g"]
        results = await asyncio.gather(*(batcher.submit([x], {}) for x in items), return_exceptions=True)
        await batcher.stop()
        return items, results

    items, results = asyncio.run(scenario())
    for item, result in zip(items, results):
        if item == "bad":
            assert isinstance(result, ValueError) and "cannot predict bad" in str(result)
        else:
            assert result == [f"{item}:-"]


def test_more_inputs_than_the_batch_size_are_refused():
    async def scenario():
        batcher, _ = _recording_batcher(max_batch_size=2, timeout_s=0.0)
        batcher.start()
        try:
            with pytest.raises(ValueError, match="exceed the batch size 2"):
                await batcher.submit(["a", "b", "c"], {})
        finally:
            await batcher.stop()

    asyncio.run(scenario())


def test_model_code_runs_on_one_thread_only():
    seen: set[int] = set()

    def run_batch(inputs, options):
        seen.add(threading.get_ident())
        return list(inputs)

    async def scenario():
        batcher = DynamicBatcher(run_batch, ModelWorker(), max_batch_size=1, timeout_s=0.0)
        batcher.start()
        await asyncio.gather(*(batcher.submit([i], {}) for i in range(10)))
        await batcher.stop()

    asyncio.run(scenario())
    assert len(seen) == 1 and threading.get_ident() not in seen


def _same(got, expected, tolerance=1e-6):
    """Records equal in everything but floats, which differ by at most ``tolerance``."""
    if isinstance(expected, float):
        return isinstance(got, float) and abs(got - expected) <= tolerance
    if isinstance(expected, dict):
        return (
            isinstance(got, dict)
            and got.keys() == expected.keys()
            and all(_same(got[k], v) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return isinstance(got, list) and len(got) == len(expected) and all(map(_same, got, expected))
    return got == expected


@pytest.mark.slow
def test_64_concurrent_requests_are_answered_correctly_and_batched(serve, trained_run):
    """A generous batch timeout (2 s) lets concurrent requests meet; correctness never depends on timing."""
    import httpx

    server = serve(trained_run("vit"), "--max-batch-size", "64", "--batch-timeout-ms", "2000")
    images = [b64(png_bytes(seed)) for seed in range(4)]
    expected = [server.post("/v1/predict", json={"inputs": [image]}).json()["records"] for image in images]
    calls_before = server.metric_samples("openzoo_batch_size_count")[()]

    async def burst():
        async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
            requests = [client.post("/v1/predict", json={"inputs": [images[i % 4]]}) for i in range(64)]
            return await asyncio.gather(*requests)

    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [200] * 64
    for i, response in enumerate(responses):  # a batch may move the last float digits, never more
        assert _same(response.json()["records"], expected[i % 4]), (response.json(), expected[i % 4])
    calls = server.metric_samples("openzoo_batch_size_count")[()] - calls_before
    assert calls < 64, f"64 concurrent requests took {calls} model calls: nothing was batched"
    single = server.metric_samples("openzoo_batch_size_bucket")[(("le", "1.0"),)]
    assert server.metric_samples("openzoo_batch_size_count")[()] - single >= 1  # some batch held more than one
