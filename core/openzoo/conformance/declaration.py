"""How a conformance check is declared, and how it reports.

A check is a plain function ``check_<subject>_<behaviour>(subject, **variant)``
that raises :class:`~openzoo.ConformanceError` when the component breaks the
rule, raises :class:`CheckSkipped` when the environment cannot run it (no GPU),
and may return a :class:`Measurement` for numeric comparisons. The
:func:`check` decorator attaches a :class:`CheckInfo` to the function: the
catalogue entry (kind, level, devices, what selects it) whose documentation
paragraph is the function's docstring.

Nothing here imports torch.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, final

from openzoo.errors import ConformanceError

__all__ = [
    "DOCS_BASE_URL",
    "DOCS_PAGE",
    "CheckInfo",
    "CheckSkipped",
    "DataUnavailable",
    "Measurement",
    "check",
    "docs_url",
    "fail",
    "info_of",
]

#: The source of the documentation page of every check (generated from the catalogue).
DOCS_PAGE = "docs/reference/conformance-checks.md"
#: The docs site that failure messages link to; ``OPENZOO_DOCS_URL`` overrides it (a fork's
#: site, a pinned version such as ``https://openzoo.readthedocs.io/en/v0.2``).
DOCS_BASE_URL = "https://openzoo.readthedocs.io/en/latest"


def docs_url(anchor: str = "") -> str:
    """Return the URL of the check catalogue page on the docs site, at ``anchor``.

    The base is ``$OPENZOO_DOCS_URL`` when set, else :data:`DOCS_BASE_URL`; it is read
    on every call, so a run can point its reports at another site.
    """
    base = (os.environ.get("OPENZOO_DOCS_URL") or DOCS_BASE_URL).rstrip("/")
    return f"{base}/reference/conformance-checks.html" + (f"#{anchor}" if anchor else "")


Kind = Literal["packaging", "model", "dataset", "metric", "device"]
Level = Literal["required", "recommended"]
#: ``any``: runs on the CPU wherever the suite runs. ``selected``: runs on the device chosen
#: with ``--device``. ``component``: runs on the device backend being checked.
Devices = Literal["any", "selected", "component"]

F = TypeVar("F", bound=Callable[..., Any])


class CheckSkipped(Exception):
    """Raised by a check that the environment cannot run (a device is missing).

    The reason names the check and what is missing; a skip is never a pass. ``device``
    names the unavailable device when that is the reason: the only skip a certified run
    accepts, because the certificate names the device it ran on.
    """

    def __init__(self, reason: str, *, device: str | None = None) -> None:
        super().__init__(reason)
        #: The device whose absence caused the skip, if that is the reason.
        self.device = device


class DataUnavailable(CheckSkipped):
    """Raised when a dataset's optional data is not installed here: the outcome is *unavailable*.

    Neither a pass nor a failure; ``install`` is the command that makes the data available.
    """

    def __init__(self, reason: str, *, install: str) -> None:
        super().__init__(reason)
        #: The command that installs the missing data.
        self.install = install


@final
@dataclass(frozen=True, slots=True)
class Measurement:
    """What a numeric check measured: the largest error seen and the tolerance it had to meet."""

    #: Largest absolute error (or the measured quantity, for budgets) that the check observed.
    error: float
    #: The bound the error had to stay under.
    tolerance: float


@final
@dataclass(frozen=True, slots=True)
class CheckInfo:
    """The catalogue entry of one check."""

    #: The function name, which is also the stable id without variant arguments.
    name: str
    #: The component kind the check applies to.
    kind: Kind
    #: ``required`` checks decide the verdict and cannot be waived; ``recommended`` ones can.
    level: Level
    #: Where the check runs (see :data:`Devices`).
    devices: Devices
    #: Which declarations select the check, in words (``every test preset``, ``capability 'kv_cache'``).
    applies_to: str
    #: One paragraph: what the check verifies, why it matters, how to fix a failure.
    doc: str

    @property
    def anchor(self) -> str:
        """The Markdown anchor of the check in the generated documentation page."""
        return self.name.replace("_", "-")


def check(
    *, kind: Kind, level: Level = "required", devices: Devices = "any", applies_to: str = "always"
) -> Callable[[F], F]:
    """Declare a function as a conformance check (attaches its :class:`CheckInfo`)."""
    if level not in ("required", "recommended"):
        raise ValueError(f"level must be 'required' or 'recommended', got {level!r}")
    if devices not in ("any", "selected", "component"):
        raise ValueError(f"devices must be 'any', 'selected' or 'component', got {devices!r}")

    def decorate(function: F) -> F:
        name = function.__name__
        if not name.startswith(f"check_{'plugin' if kind == 'packaging' else kind}_") and not name.startswith(
            "check_generation_"
        ):
            raise ValueError(f"check {name!r} of kind {kind!r} must be named check_<subject>_<behaviour>")
        doc = inspect.cleandoc(function.__doc__ or "")
        if not doc:
            raise ValueError(f"check {name!r} needs a docstring: what, why, how to fix")
        function.conformance_info = CheckInfo(  # type: ignore[attr-defined]
            name=name, kind=kind, level=level, devices=devices, applies_to=applies_to, doc=doc
        )
        return function

    return decorate


def info_of(function: Callable[..., Any]) -> CheckInfo:
    """Return the :class:`CheckInfo` of a check function (or a ``functools.partial`` of one)."""
    target = getattr(function, "func", function)
    info = getattr(target, "conformance_info", None)
    if info is None:
        raise TypeError(f"{target!r} is not a conformance check (decorate it with @check)")
    return info


def fail(subject: Any, rule: str, observed: str, fix: str, *, check_name: str = "") -> ConformanceError:
    """Build the error of a broken rule, shaped ``<dist>:<component>: <rule>; got <observed>. <fix>``.

    Use as ``raise fail(subject, ...)``. ``subject`` is anything with a ``label``
    (the components of :mod:`openzoo.conformance.subjects`) or a plain string.
    """
    label = getattr(subject, "label", str(subject))
    fix = fix.rstrip(".") + "."
    docs = f" (docs: {docs_url(check_name.replace('_', '-'))})" if check_name else ""
    return ConformanceError(f"{label}: {rule}; got {observed}. {fix}{docs}")
