"""Canonical fingerprints of examples, for equality across loads, splits and calls.

Examples hold plain Python values, numpy arrays, PIL images or tensors; the
fingerprint of an example is a SHA-256 of a canonical encoding of all of them,
so two examples are the same exactly when their fingerprints are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["canonical", "fingerprint"]


def canonical(value: Any) -> Any:
    """Return a hashable, comparable encoding of ``value`` (mappings sorted, arrays as bytes)."""
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), canonical(v)) for k, v in value.items())))
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        return (type(value).__name__, value)
    module = type(value).__module__
    if module.startswith("PIL"):
        return ("image", value.mode, value.size, value.tobytes())
    if module.startswith("torch"):
        value = value.detach().cpu().numpy()
        module = "numpy"
    if module.startswith("numpy"):
        import numpy as np

        array = np.asarray(value)
        return ("array", str(array.dtype), array.shape, array.tobytes())
    if isinstance(value, Sequence):
        return ("seq", tuple(canonical(v) for v in value))
    return ("repr", repr(value))


def fingerprint(value: Any) -> str:
    """Return the SHA-256 hex digest of ``value``'s canonical encoding."""
    return hashlib.sha256(repr(canonical(value)).encode("utf-8", "surrogatepass")).hexdigest()
