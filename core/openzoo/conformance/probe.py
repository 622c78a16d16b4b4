"""Import a plugin's entry module in a clean interpreter and report what it did.

Run as ``python -m openzoo.conformance.probe MODULE``; prints one JSON object:
``import_seconds`` (time to import the module), ``heavy_modules`` (torch and
friends found in ``sys.modules`` after the import and after calling the
plugin's hooks), ``network`` (every ``socket.connect`` attempted, which was
blocked), ``hooks`` (hook names called), ``error`` (a one-line exception, or
``null``). The packaging checks read this report; the probe runs once per
plugin and check run.

This module imports only the standard library at module level.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from typing import Any

#: Modules whose presence after importing an entry module means it did heavy work at import.
HEAVY_MODULES = ("torch", "transformers", "tensorflow", "jax")
#: The hooks the probe calls to build specs, as listing does.
HOOK_NAMES = ("openzoo_tasks", "openzoo_models", "openzoo_datasets", "openzoo_metrics", "openzoo_devices")


def _block_network(attempts: list[str]) -> None:
    def refuse(self: socket.socket, address: Any, *args: Any, **kwargs: Any) -> None:
        attempts.append(repr(address))
        raise OSError(f"network access blocked by the openzoo conformance suite: connect({address!r})")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = lambda address, *a, **k: refuse(None, address)  # type: ignore[assignment]


def _heavy_loaded() -> list[str]:
    return sorted(name for name in HEAVY_MODULES if name in sys.modules)


def probe(module_name: str) -> dict[str, Any]:
    """Import ``module_name`` with the network blocked; call its hooks; report."""
    import importlib

    attempts: list[str] = []
    _block_network(attempts)
    report: dict[str, Any] = {"module": module_name, "error": None, "hooks": [], "network": attempts}
    report["preloaded"] = _heavy_loaded()
    start = time.perf_counter()
    try:
        module = importlib.import_module(module_name)
    except BaseException as exc:  # noqa: BLE001 -- reported to the parent
        report["import_seconds"] = time.perf_counter() - start
        report["error"] = f"import failed: {type(exc).__name__}: {exc}"
        report["heavy_after_import"] = report["heavy_modules"] = _heavy_loaded()
        return report
    report["import_seconds"] = time.perf_counter() - start
    report["heavy_after_import"] = _heavy_loaded()
    for hook in HOOK_NAMES:
        function = getattr(module, hook, None)
        if function is None:
            continue
        report["hooks"].append(hook)
        try:
            function()
        except BaseException as exc:  # noqa: BLE001
            report["error"] = f"hook {hook} raised {type(exc).__name__}: {exc}"
            break
    report["heavy_modules"] = _heavy_loaded()
    return report


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m openzoo.conformance.probe MODULE")
    print(json.dumps(probe(args[0])))


if __name__ == "__main__":
    main()
