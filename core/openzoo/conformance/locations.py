"""Where in a plugin a failure arose: ``package/module.py:line``, for every report.

A failed check names the innermost frame of the exception (or of the exception it
was raised from) that lies inside the plugin's own package; when no frame does (the
check saw wrong outputs, no exception arose in the plugin), it names where the
component is defined (the model class, the loader function). Paths are relative to
the directory holding the package, so they read the same on every machine.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import traceback
from pathlib import Path
from typing import Any

__all__ = ["failure_location", "format_traceback", "plugin_package"]

_SUITE = Path(__file__).resolve().parent


def plugin_package(subject: Any) -> str | None:
    """Return the top-level package of the plugin code a subject runs (``openzoo_bert``)."""
    spec = getattr(subject, "spec", None)
    if spec is not None:
        reference = next((getattr(spec, a) for a in ("factory", "loader", "backend") if hasattr(spec, a)), "")
        return reference.partition(":")[0].split(".")[0] or None
    module = getattr(subject, "entry_module", None)
    return module.split(".")[0] if module else None


def _package_root(package: str) -> Path | None:
    module = sys.modules.get(package)
    try:
        found = module.__spec__ if module is not None else importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if found is None:
        return None
    if found.submodule_search_locations:
        return Path(next(iter(found.submodule_search_locations))).resolve()
    return Path(found.origin).resolve() if found.origin else None


def _exception_chain(exc: BaseException) -> list[BaseException]:
    """Return ``exc`` and the exceptions it was raised from or during, the original cause last."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _inside(path: Path, root: Path) -> bool:
    if path == root:
        return True
    return root in path.parents and _SUITE not in path.parents and path.parent != _SUITE


def _display(path: Path, root: Path, line: int) -> str:
    base = root.parent
    try:
        shown = path.relative_to(base).as_posix()
    except ValueError:
        shown = path.as_posix()
    return f"{shown}:{line}"


def _definition(subject: Any, root: Path) -> str | None:
    try:
        obj = subject.resolve() if hasattr(subject, "resolve") else sys.modules.get(subject.entry_module or "")
        path = Path(inspect.getsourcefile(obj) or "").resolve()
        line = inspect.getsourcelines(obj)[1] if not inspect.ismodule(obj) else 1
    except Exception:  # noqa: BLE001 -- a location is a courtesy; no location is better than a crash
        return None
    return _display(path, root, max(line, 1)) if path.is_file() and _inside(path, root) else None


def failure_location(subject: Any, exc: BaseException | None) -> str | None:
    """Return ``package/module.py:line`` where ``exc`` arose in the plugin, else where the component is defined."""
    package = plugin_package(subject)
    root = _package_root(package) if package else None
    if root is None:
        return None
    for error in reversed(_exception_chain(exc)) if exc is not None else ():
        frames = traceback.extract_tb(error.__traceback__)
        for frame in reversed(frames):
            path = Path(frame.filename).resolve()
            if _inside(path, root) and frame.lineno:
                return _display(path, root, frame.lineno)
    return _definition(subject, root)


def format_traceback(exc: BaseException) -> str:
    """Return the full traceback of ``exc`` with its causes, as Python prints it."""
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
