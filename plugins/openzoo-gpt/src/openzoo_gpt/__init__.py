"""openzoo-gpt: GPT-2 text generation for openzoo.

The entry point is :mod:`openzoo_gpt.plugin`, which only declares specs. The work
happens in modules the specs name lazily: :mod:`openzoo_gpt.model` (the model
class), :mod:`openzoo_gpt.tokenizer` (byte-level BPE training),
:mod:`openzoo_gpt.generation` (predict and stream) and :mod:`openzoo_gpt.loaders`
(the ``text`` and ``shakespeare`` datasets). Importing this package imports none of them.
"""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("openzoo-gpt")
        except PackageNotFoundError:
            return "0.0.0"
    raise AttributeError(f"module 'openzoo_gpt' has no attribute {name!r}")
