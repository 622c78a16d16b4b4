"""Import a plugin's entry module in a clean interpreter and report what it did.

Run as ``python -m openzoo.conformance.probe MODULE``; prints one JSON object:
``import_seconds`` (time to import the module), ``heavy_modules`` (torch and
friends found in ``sys.modules`` after the import and after calling the
plugin's hooks), ``network`` (every connect, UDP send and DNS lookup
attempted, each of which was blocked), ``hooks`` (hook names called), ``error`` (a one-line exception, or
``null``). The packaging checks read this report; the probe runs once per
plugin and check run.

This module imports only the standard library at module level.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

#: Modules whose presence after importing an entry module means it did heavy work at import.
HEAVY_MODULES = ("torch", "transformers", "tensorflow", "jax")
#: The hooks the probe calls to build specs, as listing does.
HOOK_NAMES = ("openzoo_tasks", "openzoo_models", "openzoo_datasets", "openzoo_metrics", "openzoo_devices")


#: The ``socket`` functions the guard replaces: TCP connects, UDP sends and name lookups.
GUARDED_FUNCTIONS = ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr")
#: The ``socket.socket`` methods the guard replaces.
GUARDED_METHODS = ("connect", "connect_ex", "sendto", "sendmsg")


def block_network(attempts: list[str]) -> Callable[[], None]:
    """Make every connect, UDP send and DNS lookup in this process fail, recording each in ``attempts``.

    Returns the function that puts the originals back.
    """
    saved_functions = {name: getattr(socket, name) for name in GUARDED_FUNCTIONS if hasattr(socket, name)}
    saved_methods = {name: socket.socket.__dict__.get(name) for name in GUARDED_METHODS}

    def refuser(call: str, first: int) -> Callable[..., Any]:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            shown = ", ".join(repr(a) for a in args[first : first + 2])
            attempts.append(f"{call}({shown})")
            raise OSError(f"network access blocked by the openzoo conformance suite: {call}({shown})")

        return refuse

    for name in saved_functions:
        setattr(socket, name, refuser(name, 0))
    for name in GUARDED_METHODS:
        setattr(socket.socket, name, refuser(name, 1))

    def restore() -> None:
        for name, function in saved_functions.items():
            setattr(socket, name, function)
        for name, method in saved_methods.items():
            if method is None:
                delattr(socket.socket, name)
            else:
                setattr(socket.socket, name, method)

    return restore


def _heavy_loaded() -> list[str]:
    return sorted(name for name in HEAVY_MODULES if name in sys.modules)


def probe(module_name: str) -> dict[str, Any]:
    """Import ``module_name`` with the network blocked; call its hooks; report."""
    import importlib

    attempts: list[str] = []
    block_network(attempts)
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
