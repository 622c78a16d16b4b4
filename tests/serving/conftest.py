"""Fixtures of the serving tests: tiny trained runs of the installed plugins, and real servers.

Runs are trained in process for two steps (a few seconds each, once per session).
A server is a real ``python -m openzoo serve`` process on a free localhost port,
reached with httpx; :func:`start_server` waits until ``/health`` answers 200 and
the fixture stops the process (SIGTERM) when the test module is done.
"""

from __future__ import annotations

import base64
import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx", reason="the serving tests need httpx (the dev extra)")
pytest.importorskip("fastapi", reason="the serving tests need openzoo[serve] (the dev extra)")

#: Environment of every subprocess: offline, one thread (the machine is shared).
SUBPROCESS_ENV = {
    **os.environ,
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "OMP_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}
#: model, plugin module, dataset, dataset options of each tiny run.
RUNS = {
    "vit": ("vit.tiny", "openzoo_vit", "toy-images", {"dataset.size": 60}),
    "bert": ("bert.tiny", "openzoo_bert", "toy-sentiment", {}),
    "gpt": ("gpt.tiny", "openzoo_gpt", "toy-text", {}),
    "mf": ("mf", "openzoo_recsys", "toy-ratings", {}),
}


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Return ``run(key) -> run directory`` for a key of :data:`RUNS`, trained once per session."""
    made: dict[str, Path] = {}

    def run(key: str) -> Path:
        if key not in made:
            model, module, dataset, options = RUNS[key]
            pytest.importorskip(module, reason=f"the {module} plugin is not installed")
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from openzoo.engine import api

            out = tmp_path_factory.mktemp("runs") / key
            api.train(model, dataset, max_steps=2, options=options, out=out, quiet=True)
            made[key] = out
        return made[key]

    return run


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A running ``openzoo serve`` process."""

    url: str
    process: subprocess.Popen[str]
    log: Path

    def client(self, **kwargs: Any) -> Any:
        return httpx.Client(base_url=self.url, timeout=60, **kwargs)

    def get(self, path: str) -> Any:
        with self.client() as client:
            return client.get(path)

    def post(self, path: str, **kwargs: Any) -> Any:
        with self.client() as client:
            return client.post(path, **kwargs)

    def metric_samples(self, name: str) -> dict[tuple[tuple[str, str], ...], float]:
        """Return ``{labels: value}`` of the samples called ``name`` on ``/metrics``."""
        from prometheus_client.parser import text_string_to_metric_families

        samples = {}
        for family in text_string_to_metric_families(self.get("/metrics").text):
            for sample in family.samples:
                if sample.name == name:
                    samples[tuple(sorted(sample.labels.items()))] = sample.value
        return samples

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(run_dir: Path, log_dir: Path, *flags: str) -> Server:
    """Start ``openzoo serve run_dir *flags`` on a free port and wait until it is ready.

    A port found free can be taken by another process (a test running in parallel) before the server
    binds it; the server then exits saying the address is in use, and it is started again on another port.
    """
    for _ in range(5):
        port = free_port()
        log = log_dir / f"serve-{port}.log"
        command = [sys.executable, "-m", "openzoo", "serve", str(run_dir), "--port", str(port), *flags]
        with log.open("w") as handle:
            process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=SUBPROCESS_ENV, text=True)
        server = Server(f"http://127.0.0.1:{port}", process, log)
        if _wait_until_ready(server):
            return server
    raise AssertionError(f"openzoo serve found its port taken five times:\n{log.read_text()}")


def _wait_until_ready(server: Server) -> bool:
    """Wait until ``/health`` answers 200 (True) or the server exits because its port was taken (False)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = server.log.read_text()
            if "address already in use" in log:
                return False
            raise AssertionError(f"openzoo serve exited with {server.process.returncode}:\n{log}")
        try:
            if server.get("/health").status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    server.stop()
    raise AssertionError(f"openzoo serve did not become ready in 180 s:\n{server.log.read_text()}")


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Server]]:
    """Return ``serve(run_dir, *flags) -> Server``; every server started is stopped after the module."""
    servers: list[Server] = []
    log_dir = tmp_path_factory.mktemp("serve-logs")

    def start(run_dir: Path, *flags: str) -> Server:
        server = start_server(run_dir, log_dir, *flags)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def png_bytes(seed: int, size: int = 8) -> bytes:
    """Return a small greyscale PNG, different for each ``seed``."""
    import numpy as np
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 256, size=(size, size), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def predict_json(run_dir: Path, *inputs: str, options: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Return the records ``openzoo predict RUN INPUT... --json`` prints."""
    import json

    args = [sys.executable, "-m", "openzoo", "predict", str(run_dir), *inputs, "--json"]
    for option in options:
        args += ["-o", option]
    done = subprocess.run(args, capture_output=True, text=True, env=SUBPROCESS_ENV, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
