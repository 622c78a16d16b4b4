"""Maps between the ids of the source data (strings) and contiguous embedding indices."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import final

from openzoo import BadInputError

__all__ = ["IdMap", "sorted_ids"]

_INTEGER = re.compile(r"^-?\d+$")


def sorted_ids(ids: Iterable[object]) -> list[str]:
    """Return the distinct ids as strings, numbers in numeric order first, then the rest alphabetically."""
    distinct = {str(i) for i in ids}
    return sorted(distinct, key=lambda s: (0, int(s), "") if _INTEGER.match(s) else (1, 0, s))


@final
class IdMap:
    """A bijection between ids (strings) and indices ``0 .. len - 1``, in a fixed order.

    :param ids: the ids in index order; each must be unique.
    :param kind: what the ids are (``user``, ``item``), for error messages.
    """

    __slots__ = ("_index", "ids", "kind")

    def __init__(self, ids: Sequence[object], kind: str) -> None:
        #: The ids in index order, as strings.
        self.ids: tuple[str, ...] = tuple(str(i) for i in ids)
        #: What the ids name, for messages.
        self.kind = kind
        self._index = {value: position for position, value in enumerate(self.ids)}
        if len(self._index) != len(self.ids):
            seen: set[str] = set()
            dupes = sorted({i for i in self.ids if i in seen or seen.add(i)})
            raise BadInputError(f"{kind} ids must be unique; repeated: {', '.join(dupes[:10])}")

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, value: object) -> bool:
        return str(value) in self._index

    def index(self, value: object) -> int:
        """Return the index of ``value``.

        :raises BadInputError: when the id is not known to the model.
        """
        try:
            return self._index[str(value)]
        except KeyError:
            raise BadInputError(
                f"unknown {self.kind} {str(value)!r}: the model knows {len(self.ids)} {self.kind}s "
                f"(for example {', '.join(repr(i) for i in self.ids[:5])}); "
                f"use an id from the data the model was trained on"
            ) from None

    def indices(self, values: Iterable[object]) -> list[int]:
        """Return the index of every value, in order."""
        return [self.index(v) for v in values]

    def id(self, index: int) -> str:
        """Return the id at ``index``."""
        return self.ids[index]

    def to_list(self) -> list[str]:
        """Return the ids in index order (what the checkpoint stores)."""
        return list(self.ids)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdMap) and self.ids == other.ids and self.kind == other.kind

    def __hash__(self) -> int:
        return hash((self.kind, self.ids))

    def __repr__(self) -> str:
        return f"IdMap({self.kind}, {len(self.ids)} ids)"
