"""The error types of openzoo.

Every error a user can act on derives from :class:`OpenzooError`. The CLI maps
:class:`BadInputError` (and its subclasses) to exit code 2 and every other
:class:`OpenzooError` to exit code 1, printing the message without a traceback
unless ``--debug`` is given.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "BadInputError",
    "ConformanceError",
    "DataUnavailableError",
    "OpenzooError",
    "PluginError",
    "StrictPluginsError",
    "UnknownNameError",
]


class OpenzooError(Exception):
    """Base class of errors that carry a message meant for the user."""


class BadInputError(OpenzooError, ValueError):
    """The user's input is wrong: an option, a file, a name. Exit code 2."""


class DataUnavailableError(BadInputError):
    """A dataset's optional data is not installed here (a data package, a download).

    The message says what is missing and ends with the command that installs it;
    :attr:`install` holds that command alone, so every front end (the CLI, the
    conformance suite's *unavailable* outcome) can show it the same way.
    """

    def __init__(self, message: str, *, install: str) -> None:
        self.install = install
        super().__init__(f"{message.rstrip('.')}. Install it with: {install}")


class UnknownNameError(BadInputError, KeyError):
    """A name that no installed plugin provides.

    The message lists the close matches first (``did you mean ...``), then the
    names that are available, so the user can correct the command in one step.
    """

    def __init__(self, kind: str, name: str, available: Iterable[str], hint: str = "") -> None:
        self.kind = kind
        self.name = name
        self.available = sorted(available)
        self.suggestions = difflib.get_close_matches(name, self.available, n=3, cutoff=0.6)
        parts = [f"unknown {kind} {name!r}."]
        if self.suggestions:
            parts.append("Did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?")
        simple = " " not in kind  # "model" reads well as "models"; "option of model 'vit'" does not
        if self.available:
            shown = ", ".join(self.available[:20])
            more = f" (and {len(self.available) - 20} more)" if len(self.available) > 20 else ""
            parts.append(f"Available {kind}s: {shown}{more}." if simple else f"Choose one of: {shown}{more}.")
        elif simple:
            parts.append(f"No {kind} is installed; install a plugin that provides one.")
        else:
            parts.append(f"There is no {kind} to choose from.")
        if hint:
            parts.append(hint)
        super().__init__(" ".join(parts))

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class PluginError(OpenzooError):
    """A plugin is broken: it failed to import, raised in a hook, declared an
    incompatible core range, or registered an invalid or clashing spec."""


class StrictPluginsError(PluginError, BadInputError):
    """Plugin problems found while ``OPENZOO_STRICT_PLUGINS=1`` is set (exit code 2)."""


class ConformanceError(OpenzooError, AssertionError):
    """Raised by a conformance check when a component breaks a rule of the contract.

    The message has the shape ``<dist>:<component>: <rule>; got <observed>. <fix>``.
    """
