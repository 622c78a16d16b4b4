"""What ``openzoo new`` is asked to create, validated before anything is rendered.

:func:`build_request` checks the plugin name, the component kinds, the task, the
backend, the licence and the author's e-mail, and returns a
:class:`PluginRequest`; every mistake raises :class:`~openzoo.BadInputError`
(an unknown kind, task, backend or licence raises
:class:`~openzoo.UnknownNameError` with the close matches). The rules are the
same as the validators in ``templates/plugin/copier.yml``, which guard the
answers given interactively and plain ``copier copy``.

No copier and no torch here: this module only checks strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, final

from openzoo.errors import BadInputError, UnknownNameError
from openzoo.tasks import IMAGE_CLASSIFICATION, RECOMMENDATION, TEXT_CLASSIFICATION, TEXT_GENERATION

__all__ = [
    "BACKENDS",
    "KINDS",
    "LICENCES",
    "MAX_NAME_LENGTH",
    "TASKS",
    "PluginRequest",
    "build_request",
    "check_plugin_name",
]

#: Component kinds the template can render, in the order the plugin declares them.
KINDS: tuple[str, ...] = ("model", "dataset", "metric", "device")
#: Tasks the template has a minimal working implementation for.
TASKS: tuple[str, ...] = (TEXT_CLASSIFICATION, IMAGE_CLASSIFICATION, TEXT_GENERATION, RECOMMENDATION)
#: How a model is built: ``hf`` on Hugging Face transformers, ``torch`` in plain PyTorch.
BACKENDS: tuple[str, ...] = ("hf", "torch")
#: Licences the template ships the text of (SPDX identifiers).
LICENCES: tuple[str, ...] = ("Apache-2.0", "MIT", "BSD-3-Clause")
#: The longest plugin name (the package name ``openzoo_<name>`` must stay readable).
MAX_NAME_LENGTH = 40

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@final
@dataclass(frozen=True, slots=True)
class PluginRequest:
    """A validated request for a new plugin; ``None`` fields are left to the template (a prompt or its default)."""

    #: Plugin name: the entry-point name and the name of every component (``my-arch``).
    name: str
    #: Component kinds, from :data:`KINDS`, the kind named first leading.
    kinds: tuple[str, ...]
    #: Task of the model, dataset and metric, from :data:`TASKS`.
    task: str | None = None
    #: How the model is built, from :data:`BACKENDS`.
    backend: str | None = None
    #: The author, for the package metadata and the licence.
    author: str | None = None
    #: The author's e-mail address.
    author_email: str | None = None
    #: The licence, from :data:`LICENCES`.
    licence: str | None = None

    @property
    def dist(self) -> str:
        """The distribution name: ``openzoo-<name>``."""
        return f"openzoo-{self.name}"

    @property
    def package(self) -> str:
        """The import package: ``openzoo_<name with underscores>``."""
        return "openzoo_" + self.name.replace("-", "_")

    def answers(self) -> dict[str, Any]:
        """Return the copier answers this request fixes (the others are asked or defaulted)."""
        fields = {
            "task": self.task,
            "backend": self.backend,
            "author": self.author,
            "author_email": self.author_email,
            "licence": self.licence,
        }
        return {"name": self.name, "kinds": list(self.kinds), **{k: v for k, v in fields.items() if v is not None}}


def check_plugin_name(name: str) -> str:
    """Return ``name`` when it is a valid plugin name.

    :raises BadInputError: naming the rule and a corrected suggestion where one is obvious.
    """
    if not isinstance(name, str) or not name:
        raise BadInputError("the plugin name is empty; give one such as 'my-arch'")
    if name == "openzoo" or name.startswith(("openzoo-", "openzoo_")):
        rest = re.sub(r"^openzoo[-_]?", "", name)
        hint = f"; use {rest!r}" if rest and _NAME.match(rest) else ""
        raise BadInputError(
            f"invalid plugin name {name!r}: leave out the 'openzoo-' prefix, the distribution is named "
            f"openzoo-<name> for you{hint}"
        )
    if len(name) > MAX_NAME_LENGTH or not _NAME.match(name):
        suggestion = re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", name.lower())).strip("-")
        suggestion = re.sub(r"^[^a-z]+", "", suggestion)[:MAX_NAME_LENGTH].rstrip("-")
        hint = f" (for example {suggestion!r})" if suggestion and suggestion != name and _NAME.match(suggestion) else ""
        raise BadInputError(
            f"invalid plugin name {name!r}: use lower-case letters and digits, words joined by single '-', "
            f"starting with a letter, at most {MAX_NAME_LENGTH} characters{hint}"
        )
    return name


def _choose(what: str, value: str, allowed: Iterable[str], *, hint: str = "") -> str:
    """Return the allowed spelling of ``value`` (matched case-insensitively) or raise with close matches."""
    allowed = tuple(allowed)
    for candidate in allowed:
        if value.lower() == candidate.lower():
            return candidate
    raise UnknownNameError(what, value, allowed, hint=hint)


def build_request(
    kind: str,
    name: str,
    *,
    extra_kinds: Iterable[str] = (),
    task: str | None = None,
    backend: str | None = None,
    author: str | None = None,
    author_email: str | None = None,
    licence: str | None = None,
) -> PluginRequest:
    """Validate what ``openzoo new KIND NAME [options]`` asks for and return it as a :class:`PluginRequest`.

    :param kind: the main component kind (``model``, ``dataset``, ``metric`` or ``device``).
    :param extra_kinds: more kinds the same plugin provides (``--kind``).
    :raises UnknownNameError: for an unknown kind, task, backend or licence, with close matches.
    :raises BadInputError: for an invalid name or e-mail, or options that do not fit together.
    """
    check_plugin_name(name)
    kinds: list[str] = []
    for value in (kind, *extra_kinds):
        chosen = _choose("component kind", value, KINDS)
        if chosen not in kinds:
            kinds.append(chosen)
    if task is not None:
        if kinds == ["device"]:
            raise BadInputError("a device backend serves every task; drop --task, or add --kind model|dataset|metric")
        task = _choose("task", task, TASKS, hint="'openzoo list tasks' describes them.")
    if backend is not None:
        if "model" not in kinds:
            raise BadInputError("--backend chooses how a model is built; add --kind model or drop --backend")
        backend = _choose("backend", backend, BACKENDS, hint="hf: Hugging Face transformers; torch: plain PyTorch.")
        if backend == "hf" and task == RECOMMENDATION:
            raise BadInputError(
                "recommendation models use the 'torch' backend: transformers has no recommender model class "
                "to build on; pass --backend torch (or leave --backend out)"
            )
    if licence is not None:
        licence = _choose("licence", licence, LICENCES)
    if author is not None and not author.strip():
        raise BadInputError("--author is empty; give your name or leave the option out")
    if author_email is not None and author_email and not _EMAIL.match(author_email):
        raise BadInputError(f"--author-email {author_email!r} does not look like an e-mail address")
    return PluginRequest(
        name=name,
        kinds=tuple(kinds),
        task=task,
        backend=backend,
        author=author.strip() if author is not None else None,
        author_email=author_email,
        licence=licence,
    )
