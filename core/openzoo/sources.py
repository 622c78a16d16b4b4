"""A ready-made :class:`~openzoo.protocols.DatasetSource` for data that fits in memory.

Most dataset loaders read or generate their examples, split them, and return
``SplitSource({"train": [...], "validation": [...], "test": [...]}, info={...})``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, final

from openzoo.errors import UnknownNameError

__all__ = ["SplitSource"]


@final
class SplitSource:
    """Named splits of examples held in memory, with the task metadata ``info``.

    Examples are kept as given (plain dicts of Python values, numpy arrays or PIL
    images), so the source pickles and DataLoader workers or DDP ranks can use it.
    """

    __slots__ = ("_splits", "info")

    def __init__(
        self, splits: Mapping[str, Sequence[Mapping[str, Any]]], info: Mapping[str, Any] | None = None
    ) -> None:
        if not splits:
            raise ValueError("SplitSource needs at least one split")
        self._splits = {name: list(examples) for name, examples in splits.items()}
        #: Task metadata (``labels``, ``users``, ``items`` ...), see :class:`openzoo.protocols.DatasetSource`.
        self.info: Mapping[str, Any] = MappingProxyType(dict(info or {}))

    def splits(self) -> tuple[str, ...]:
        """Return the split names in the order they were given."""
        return tuple(self._splits)

    def load(self, split: str) -> list[Mapping[str, Any]]:
        """Return the examples of ``split``.

        :raises UnknownNameError: for a split this source does not have.
        """
        try:
            return self._splits[split]
        except KeyError:
            raise UnknownNameError("split", split, self._splits) from None

    def __getstate__(self) -> dict[str, Any]:
        return {"splits": self._splits, "info": dict(self.info)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._splits = state["splits"]
        self.info = MappingProxyType(state["info"])

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(examples)}" for name, examples in self._splits.items())
        return f"SplitSource({sizes})"
