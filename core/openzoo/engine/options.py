"""User options (``-o key=value``) checked against what specs declare, and converted by type.

``-o`` keys go to the model's or the dataset's declared :class:`~openzoo.Option`;
a key both declare must be prefixed (``-o model.seed=1`` / ``-o dataset.seed=1``).
Text from the command line is converted to the option's type; values given from
Python are type-checked. Unknown keys get a did-you-mean. Metric names may carry
``@k`` (``ndcg@5`` sets the metric's ``k`` option).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, final

from openzoo.errors import BadInputError, UnknownNameError
from openzoo.specs import Option

__all__ = [
    "RoutedOptions",
    "convert_option",
    "parse_assignments",
    "parse_metric_name",
    "resolve_declared",
    "route_options",
]

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}
_SCOPES = ("model", "dataset")
#: The integers every library an option reaches accepts (torch sizes and seeds, numpy): 64-bit signed.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """Turn ``["a=1", "b=x"]`` into ``{"a": "1", "b": "x"}`` (the last value of a key wins).

    :raises BadInputError: for an item without ``=`` or with an empty key.
    """
    result: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not key:
            raise BadInputError(f"-o expects key=value, for example -o dropout=0.1; got {item!r}")
        result[key] = value
    return result


def convert_option(option: Option, value: Any, owner: str) -> Any:
    """Return ``value`` as the option's type (text is parsed; Python values are checked).

    :raises BadInputError: naming the option, its type (or its range) and the value given.
    """
    where = f"option {option.name!r} of {owner}"
    if option.type.startswith("list["):
        return _convert_list(option, value, where)
    if isinstance(value, str) and option.type != "str":
        converted = _parse_text(option, value.strip(), where)
    else:
        converted = _check_python_value(option, value, where)
    if option.type == "float" and not math.isfinite(converted):
        raise BadInputError(f"{where} must be a finite number; got {value!r}")
    if option.choices and converted not in option.choices:
        choices = ", ".join(repr(c) for c in option.choices)
        raise BadInputError(f"{where} must be one of {choices}; got {value!r}")
    if option.type in ("int", "float") and not option.in_range(converted):
        raise BadInputError(f"{where} must be in the range {option.range_text()}; got {value!r}")
    if option.type == "int" and not INT64_MIN <= converted <= INT64_MAX:
        raise BadInputError(f"{where} must fit in a 64-bit integer ({INT64_MIN} to {INT64_MAX}); got {value!r}")
    return converted


def _convert_list(option: Option, value: Any, where: str) -> tuple[Any, ...]:
    """Return a list option's value as a tuple: ``"2,2,4"`` from the command line, a list or tuple from Python."""
    element = Option(
        option.name,
        option.element_type,
        help=option.help,
        minimum=option.minimum,
        maximum=option.maximum,
        min_open=option.min_open,
        max_open=option.max_open,
    )
    if isinstance(value, str):
        text = value.strip().removeprefix("[").removesuffix("]").strip()
        items: Sequence[Any] = [item.strip() for item in text.split(",")] if text else []
        if element.type == "str":
            items = [item.strip("'\"") for item in items]
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        raise BadInputError(f"{where} takes a {option.type}, for example 2,2,4; got {value!r}")
    try:
        converted = tuple(convert_option(element, item, where.split(" of ", 1)[1]) for item in items)
    except BadInputError as exc:
        raise BadInputError(f"{where} takes a {option.type} (comma-separated); {exc}") from None
    if option.choices and converted not in option.choices:
        raise BadInputError(f"{where} must be one of {', '.join(repr(c) for c in option.choices)}; got {value!r}")
    return converted


def _parse_text(option: Option, text: str, where: str) -> Any:
    try:
        if option.type == "int":
            return int(text)
        if option.type == "float":
            return float(text)
    except ValueError:
        example = "3" if option.type == "int" else "0.1"
        raise BadInputError(f"{where} takes an {option.type}, for example {example}; got {text!r}") from None
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise BadInputError(f"{where} takes a bool (true or false); got {text!r}")


def _check_python_value(option: Option, value: Any, where: str) -> Any:
    if option.type == "str":
        if not isinstance(value, str):
            raise BadInputError(f"{where} takes a str; got {value!r}")
        return value
    if option.type == "bool":
        if not isinstance(value, bool):
            raise BadInputError(f"{where} takes a bool (true or false); got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInputError(f"{where} takes an {option.type}; got {value!r}")
    if option.type == "int":
        if isinstance(value, float) and not value.is_integer():
            raise BadInputError(f"{where} takes an int; got {value!r}")
        return int(value)
    return float(value)


@final
@dataclass(frozen=True, slots=True)
class RoutedOptions:
    """User options split by the component that declares them, converted to their types."""

    #: Options for the model's ``create`` (merged into its ``config``).
    model: dict[str, Any] = field(default_factory=dict)
    #: Keyword arguments of the dataset's loader.
    dataset: dict[str, Any] = field(default_factory=dict)


def route_options(
    values: Mapping[str, Any],
    model_options: Sequence[Option],
    dataset_options: Sequence[Option],
    *,
    model_name: str,
    dataset_name: str,
) -> RoutedOptions:
    """Route each ``key=value`` to the model or the dataset that declares ``key``.

    :raises BadInputError: for an ambiguous key without prefix, an undeclared key
        (with did-you-mean) or a value of the wrong type.
    """
    declared = {
        "model": {o.name: o for o in model_options},
        "dataset": {o.name: o for o in dataset_options},
    }
    owners = {"model": f"model {model_name!r}", "dataset": f"dataset {dataset_name!r}"}
    routed: dict[str, dict[str, Any]] = {"model": {}, "dataset": {}}
    for raw_key, value in values.items():
        scope, _, name = raw_key.partition(".")
        if name and scope in _SCOPES:
            scopes = [scope] if name in declared[scope] else []
            key = name
        else:
            key = raw_key
            scopes = [s for s in _SCOPES if key in declared[s]]
        if len(scopes) > 1:
            raise BadInputError(
                f"option {key!r} is declared by both {owners['model']} and {owners['dataset']}; "
                f"write -o model.{key}=... or -o dataset.{key}=..."
            )
        if not scopes:
            available = [f"model.{n}" for n in declared["model"]] + [f"dataset.{n}" for n in declared["dataset"]]
            available += list(declared["model"]) + list(declared["dataset"])
            hint = "See 'openzoo info NAME' for the options each component declares."
            raise UnknownNameError(
                f"option of {owners['model']} or {owners['dataset']}", raw_key, sorted(set(available)), hint=hint
            )
        target = scopes[0]
        routed[target][key] = convert_option(declared[target][key], value, owners[target])
    return RoutedOptions(model=routed["model"], dataset=routed["dataset"])


def resolve_declared(values: Mapping[str, Any], options: Sequence[Option], owner: str) -> dict[str, Any]:
    """Check ``values`` against one component's declared ``options`` and convert them.

    :raises BadInputError: for an undeclared key (with did-you-mean) or a wrong type.
    """
    declared = {o.name: o for o in options}
    resolved = {}
    for key, value in values.items():
        if key not in declared:
            raise UnknownNameError(f"option of {owner}", key, declared, hint="See 'openzoo info NAME' for its options.")
        resolved[key] = convert_option(declared[key], value, owner)
    return resolved


def option_defaults(options: Sequence[Option]) -> dict[str, Any]:
    """Return the declared defaults that are set (not ``None``)."""
    return {o.name: o.default for o in options if o.default is not None}


def parse_metric_name(text: str) -> tuple[str, dict[str, str]]:
    """Split ``"ndcg@5"`` into ``("ndcg", {"k": "5"})``; a name without ``@`` has no options.

    :raises BadInputError: for an empty name or ``@`` without a value.
    """
    name, at, k = text.partition("@")
    name = name.strip()
    if not name or (at and not k.strip()):
        raise BadInputError(f"invalid metric {text!r}: write a metric name, optionally with @k (for example ndcg@5)")
    return name, ({"k": k.strip()} if at else {})
