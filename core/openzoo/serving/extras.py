"""The optional extras behind serving and export, and the message a missing one gives.

``pip install openzoo`` stays light: the server stack comes with ``openzoo[serve]``
and the ONNX tools with ``openzoo[onnx]``. A command checks its extra before it
imports anything from it, so a missing package is one actionable line (exit 2),
not an ``ImportError`` traceback.
"""

from __future__ import annotations

import importlib.util

from openzoo.errors import BadInputError

__all__ = ["EXTRAS", "MissingExtraError", "require_extra"]

#: extra -> the import names it provides, in the order they are checked.
EXTRAS: dict[str, tuple[str, ...]] = {
    "serve": ("fastapi", "uvicorn", "prometheus_client", "multipart"),
    "onnx": ("onnx", "onnxscript", "onnxruntime"),
}


class MissingExtraError(BadInputError):
    """A command needs an optional extra that is not installed (exit code 2)."""


def require_extra(extra: str, purpose: str) -> None:
    """Raise :class:`MissingExtraError` unless every package of ``extra`` is importable.

    Nothing is imported: :func:`importlib.util.find_spec` only looks the packages up.

    :param extra: a key of :data:`EXTRAS`.
    :param purpose: what needs it, for the message (``"openzoo serve"``).
    """
    missing = [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]
    if missing:
        raise MissingExtraError(
            f"{purpose} needs the optional extra '{extra}' ({', '.join(missing)} not installed); "
            f"install it with: pip install 'openzoo[{extra}]'"
        )
