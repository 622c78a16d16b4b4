"""Running the real ``openzoo`` CLI in a child process, for the tests of locks, signals and failures.

:func:`openzoo_command` builds the command line of ``python -c WRAPPER ARGS``: the wrapper
applies the named :data:`PATCHES` (a forward that waits for a file, a disk that fills up ...)
and then calls :func:`openzoo.cli.main` exactly as the ``openzoo`` script does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

#: Python run in the child before ``openzoo.cli.main()``, by name; each reads its argument from ``arg``.
PATCHES = {
    # The MLP's first forward creates ``arg + ".waiting"`` and waits until the file ``arg`` exists
    # (the test holds the run mid-training, after everything written before the first step).
    "pause-first-forward": """
import os, time
from ozengine.model import MLPModule
original = MLPModule.forward
def forward(self, *args, **kwargs):
    if not os.path.exists(arg):
        open(arg + ".waiting", "w").close()
    while not os.path.exists(arg):
        time.sleep(0.02)
    return original(self, *args, **kwargs)
MLPModule.forward = forward
""",
    # Loading the dataset waits until the file ``arg`` exists (the test holds the run before training starts).
    "pause-loading-data": """
import os, time
import openzoo.engine.components as components
original = components.load_source
def load_source(*args, **kwargs):
    while not os.path.exists(arg):
        time.sleep(0.02)
    return original(*args, **kwargs)
components.load_source = load_source
""",
    # The ``arg``-th checkpoint write fails as a full disk does.
    "enospc-at-checkpoint": """
import errno, os
import openzoo.engine.loop as loop
original = loop.write_checkpoint
calls = {"n": 0}
def write_checkpoint(directory, **kwargs):
    calls["n"] += 1
    if calls["n"] == int(arg):
        save_model = kwargs["save_model"]
        def full(path):
            save_model(path)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path / "model.safetensors"))
        kwargs = {**kwargs, "save_model": full}
    return original(directory, **kwargs)
loop.write_checkpoint = write_checkpoint
""",
}

_WRAPPER = """
import json, sys
patches = json.loads(sys.argv.pop(1))
for code, arg in patches:
    exec(code, {"arg": arg})
from openzoo.cli import main
main()
"""


def openzoo_command(*args: str, patches: dict[str, str] | None = None) -> list[str]:
    """Return the command running ``openzoo ARGS`` in a fresh interpreter, with ``{patch name: argument}`` applied."""
    chosen = [[PATCHES[name], value] for name, value in (patches or {}).items()]
    return [sys.executable, "-c", _WRAPPER, json.dumps(chosen), *args]


def run_openzoo(*args: str, env: dict[str, str], patches: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``openzoo ARGS`` to completion and return its outcome (text output)."""
    command = openzoo_command(*args, patches=patches)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)


def start_openzoo(*args: str, env: dict[str, str], patches: dict[str, str] | None = None) -> subprocess.Popen:
    """Start ``openzoo ARGS`` and return the running process (stdout and stderr piped, as text)."""
    command = openzoo_command(*args, patches=patches)
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until(condition: Callable[[], bool], process: subprocess.Popen | None = None, limit: float = 300) -> None:
    """Poll ``condition`` until it holds; fail if ``process`` ends first, or after ``limit`` seconds (a safety net)."""
    deadline = time.monotonic() + limit
    while not condition():
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"the process ended (exit {process.returncode}) first:\n{out}\n{err[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        time.sleep(0.05)


def communicate_or_dump(process: subprocess.Popen, timeout: float = 120) -> tuple[str, str]:
    """Return ``process.communicate()``; when it runs past ``timeout``, fail with every thread's traceback.

    The process must have been started with ``PYTHONFAULTHANDLER=1`` in its environment: SIGABRT then
    makes Python print where each thread stands, which the failure shows instead of a bare timeout.
    """
    import signal

    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)
        _, err = process.communicate()
        raise AssertionError(f"the process still ran after {timeout:.0f} s; where it stood:\n{err[-6000:]}") from None


def files_of(directory: Path) -> dict[str, bytes]:
    """Return every file under ``directory`` by relative path, with its bytes."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
