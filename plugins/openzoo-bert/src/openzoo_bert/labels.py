"""Turn the raw label values of a file (names or integers) into class indices and names.

Rules, in order:

* With declared names (``-o labels=neg,pos``), a value equal to a name is that
  class; otherwise an integer value (``1`` or ``"1"``) indexes the declared list.
  Anything else is an unknown label.
* Without declared names, when every value is an integer the classes are the
  distinct integers in numeric order (``1..5`` stars give five classes named
  ``"1"`` .. ``"5"``); otherwise the distinct values, as text, in sorted order.

A class needs at least two labels to be a classification problem.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import final

from openzoo import BadInputError

__all__ = ["RawLabel", "parse_declared_labels", "resolve_labels"]

_INTEGER = re.compile(r"^[+-]?\d+$")


@final
@dataclass(frozen=True, slots=True)
class RawLabel:
    """A label value as read from a file, with where it was read."""

    #: The value: text from a CSV cell or a JSON string, or a JSON integer.
    value: str | int
    #: Where it was read, for error messages: ``"reviews.csv, line 7"``.
    where: str


def parse_declared_labels(text: str | None) -> list[str] | None:
    """Parse the ``labels`` option (``"neg,pos"``) into names; ``None`` when it is not set."""
    if text is None:
        return None
    names = [name.strip() for name in text.split(",")]
    if any(not name for name in names):
        raise BadInputError(f"option labels={text!r} has an empty name; write names separated by commas: neg,pos")
    if len(set(names)) != len(names):
        raise BadInputError(f"option labels={text!r} names a label twice; each label must appear once")
    if len(names) < 2:
        raise BadInputError(f"option labels={text!r} names one label; a classifier needs at least two")
    return names


def _as_int(value: str | int) -> int | None:
    if isinstance(value, int):
        return value
    return int(value) if _INTEGER.match(value) else None


def resolve_labels(raw: Sequence[RawLabel], declared: list[str] | None, *, source: str) -> tuple[list[str], list[int]]:
    """Return the label names and, for each raw value, its class index.

    :param raw: every label value read, in file order.
    :param declared: names fixed by the user, or ``None`` to infer them from the values.
    :param source: the file the values come from, for error messages.
    :raises BadInputError: for a value not among the declared names, or fewer than two classes.
    """
    if declared is not None:
        index_of = {name: i for i, name in enumerate(declared)}
        indices = []
        for label in raw:
            text = str(label.value)
            number = _as_int(label.value)
            if text in index_of:
                indices.append(index_of[text])
            elif number is not None and 0 <= number < len(declared):
                indices.append(number)
            else:
                raise BadInputError(
                    f"{label.where}: unknown label {label.value!r}; the labels are {', '.join(declared)} "
                    f"(or their indices 0..{len(declared) - 1}). Fix the row or add the label to -o labels=..."
                )
        return list(declared), indices
    numbers = [_as_int(label.value) for label in raw]
    if raw and all(number is not None for number in numbers):
        distinct = sorted(set(numbers))  # type: ignore[type-var]
        names = [str(number) for number in distinct]
        position = {number: i for i, number in enumerate(distinct)}
        indices = [position[number] for number in numbers]
    else:
        texts = [str(label.value) for label in raw]
        names = sorted(set(texts))
        position_of = {name: i for i, name in enumerate(names)}
        indices = [position_of[text] for text in texts]
    if len(names) < 2:
        found = f"only the label {names[0]!r}" if names else "no labels"
        raise BadInputError(f"{source}: found {found}; a classifier needs examples of at least two labels")
    return names, indices
