"""Throughput and latency of ``openzoo serve``: dynamic batching on vs off, onnxruntime vs torch.

Trains ``vit.tiny`` (toy-images) and ``bert.tiny`` (toy-sentiment) for a few steps, exports
the vit run to ONNX, then starts one real server per configuration on a free localhost
port and drives it with 1, 8 and 32 concurrent httpx clients, each sending one input per
request for ``--seconds`` (and at most ``--max-requests``). It prints requests/s and the
p50/p99 latency of every cell, then the two targets of issue 19:

- dynamic batching (``--max-batch-size 32``) gives >= 3x the requests/s of batch size 1 at 32 clients;
- onnxruntime gives >= 1.2x the requests/s of torch for vit (batching on, 32 clients).

    python benchmarks/serve_throughput.py [--seconds 4] [--max-requests 3000] [--threads 1] [--workdir DIR]

``--threads`` sets ``OMP_NUM_THREADS`` of the servers (torch's intra-op threads; 0 leaves the
default). On an oversubscribed machine torch's default pool spends most of its time waiting
for its own threads to be scheduled, so the default here is 1.

Numbers depend on the machine and its load; on a shared machine they are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CONCURRENCY = (1, 8, 32)
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
#: name -> (model, dataset, options)
RUNS = {"vit": ("vit.tiny", "toy-images", {"dataset.size": 120}), "bert": ("bert.tiny", "toy-sentiment", {})}
#: label -> extra serve flags
MODES = {
    "batching": ["--max-batch-size", "32", "--batch-timeout-ms", "5"],
    "batch-1": ["--max-batch-size", "1", "--batch-timeout-ms", "0"],
}


def _train(workdir: Path) -> dict[str, Path]:
    from openzoo.engine import api

    runs = {}
    for name, (model, dataset, options) in RUNS.items():
        out = workdir / name
        if not (out / "model").is_dir():
            api.train(model, dataset, max_steps=5, options=options, out=out, quiet=True)
        runs[name] = out
    return runs


def _export(run: Path, workdir: Path) -> Path:
    out = workdir / "vit-onnx"
    if not (out / "model.onnx").is_file():
        done = subprocess.run(
            [sys.executable, "-m", "openzoo", "export", str(run), "--out", str(out)], env=ENV, check=False
        )
        if done.returncode:
            raise SystemExit("export failed")
    return out


def _payload(name: str) -> dict:
    if name == "vit":
        import numpy as np
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(np.random.default_rng(0).integers(0, 256, (8, 8), dtype=np.uint8)).save(buffer, "PNG")
        return {"inputs": [base64.b64encode(buffer.getvalue()).decode()]}
    return {"inputs": ["a gripping, funny film that never lets go"]}


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(run: Path, flags: list[str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    command = [sys.executable, "-m", "openzoo", "serve", str(run), "--port", str(port), *flags]
    process = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"server for {run} did not start")


async def _drive(
    url: str, payload: dict, clients: int, seconds: float, max_requests: int
) -> tuple[float, float, float]:
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds

    async def client(http: httpx.AsyncClient) -> None:
        while time.perf_counter() < stop_at and len(latencies) < max_requests:
            started = time.perf_counter()
            response = await http.post("/v1/predict", json=payload)
            response.raise_for_status()
            latencies.append(time.perf_counter() - started)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        await http.post("/v1/predict", json=payload)  # warm-up
        began = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return len(latencies) / elapsed, statistics.median(ordered) * 1000, p99 * 1000


def _batcher_alone(seconds: float) -> dict[int, float]:
    """Requests/s of the batcher by itself at 32 clients, over a fake model (1 ms + 0.2 ms per input)."""
    from openzoo.serving.batching import DynamicBatcher, ModelWorker

    def run_batch(inputs: list, options: dict) -> list:
        time.sleep(0.001 + 0.0002 * len(inputs))
        return list(inputs)

    async def drive(max_batch_size: int) -> float:
        timeout = 0.005 if max_batch_size > 1 else 0.0
        batcher = DynamicBatcher(run_batch, ModelWorker(), max_batch_size=max_batch_size, timeout_s=timeout)
        batcher.start()
        done, stop_at = 0, time.perf_counter() + seconds

        async def client() -> None:
            nonlocal done
            while time.perf_counter() < stop_at:
                await batcher.submit([0], {})
                done += 1

        await asyncio.gather(*(client() for _ in range(32)))
        await batcher.stop()
        return done / seconds

    return {size: asyncio.run(drive(size)) for size in (32, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=4.0, help="duration of each cell")
    parser.add_argument("--max-requests", type=int, default=3000, help="most requests in each cell")
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS of the servers (0: default)")
    parser.add_argument("--workdir", type=Path, help="keep runs and exports here (default: a temporary directory)")
    args = parser.parse_args()
    if args.threads > 0:
        ENV["OMP_NUM_THREADS"] = str(args.threads)
    with tempfile.TemporaryDirectory(prefix="openzoo-serve-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        runs = _train(workdir)
        onnx_dir = _export(runs["vit"], workdir)
        configurations = [(name, "torch", mode) for name in runs for mode in MODES]
        configurations += [("vit", "onnxruntime", mode) for mode in MODES]
        results: dict[tuple[str, str, str, int], tuple[float, float, float]] = {}
        print(f"{'model':6} {'backend':12} {'mode':9} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for name, backend, mode in configurations:
            flags = [*MODES[mode], *(["--onnx", str(onnx_dir)] if backend == "onnxruntime" else [])]
            process, url = _start(runs[name], flags)
            try:
                for clients in CONCURRENCY:
                    cell = asyncio.run(_drive(url, _payload(name), clients, args.seconds, args.max_requests))
                    results[(name, backend, mode, clients)] = cell
                    print(
                        f"{name:6} {backend:12} {mode:9} {clients:>7} {cell[0]:>8.1f} {cell[1]:>8.1f} {cell[2]:>8.1f}",
                        flush=True,
                    )
            finally:
                process.terminate()
                process.wait(timeout=30)
        print()
        alone = _batcher_alone(min(args.seconds, 2.0))
        print(
            f"batcher alone (no HTTP, fake 1 ms + 0.2 ms/input model), 32 clients: {alone[32]:.0f} vs "
            f"{alone[1]:.0f} req/s = {alone[32] / alone[1]:.2f}x"
        )
        for name in runs:
            ratio = results[(name, "torch", "batching", 32)][0] / results[(name, "torch", "batch-1", 32)][0]
            print(
                f"{name}: batching vs batch size 1 at 32 clients: {ratio:.2f}x (target >= 3x: {'met' if ratio >= 3 else 'NOT met'})"
            )
        ratio = results[("vit", "onnxruntime", "batching", 32)][0] / results[("vit", "torch", "batching", 32)][0]
        print(
            f"vit: onnxruntime vs torch at 32 clients, batching on: {ratio:.2f}x (target >= 1.2x: {'met' if ratio >= 1.2 else 'NOT met'})"
        )
        print(
            f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (shared machines give noisy figures)"
        )


if __name__ == "__main__":
    main()
