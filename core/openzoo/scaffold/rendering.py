"""Render the plugin template with copier, all or nothing.

:func:`render_plugin` renders into a staging directory next to the destination
and renames the finished plugin into place, so an error (a failed validation,
Ctrl-C at a prompt, a full disk) never leaves a half-written plugin behind, and
an existing directory is never touched. :func:`template_directory` finds the
template in an installed openzoo (``openzoo/_template/plugin`` inside the wheel)
or in a source checkout (``templates/plugin``); :mod:`openzoo.scaffold.source` says
which template source and version the answers file records.

copier is imported only when a plugin is rendered; it is the optional extra
``openzoo[new]``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, final

from openzoo.errors import BadInputError
from openzoo.scaffold.source import record_source, resolve_template, template_directory

if TYPE_CHECKING:
    from openzoo.scaffold.request import PluginRequest

__all__ = [
    "INSTALL_HINT",
    "RenderedPlugin",
    "next_commands",
    "render_plugin",
    "stdin_is_terminal",
    "template_directory",
]

#: What to run when copier is missing.
INSTALL_HINT = "pip install 'openzoo[new]' (from a clone of openzoo: pip install -e '.[new]')"


@final
@dataclass(frozen=True, slots=True)
class RenderedPlugin:
    """A plugin that :func:`render_plugin` created."""

    #: The new plugin's directory (``<dest>/openzoo-<name>``).
    path: Path
    #: Its distribution name.
    dist: str
    #: The answers it was rendered with, as written to ``.copier-answers.yml``.
    answers: dict[str, Any]


def stdin_is_terminal() -> bool:
    """Return whether copier can ask its questions: standard input is an interactive terminal."""
    return bool(sys.stdin and sys.stdin.isatty())


def _import_copier() -> Any:
    try:
        import copier
    except ImportError:
        raise BadInputError(
            f"openzoo new renders the plugin template with copier, which is not installed; run: {INSTALL_HINT}"
        ) from None
    return copier


def render_plugin(
    request: PluginRequest,
    dest: str | os.PathLike[str] = ".",
    *,
    defaults: bool = False,
    template: str | os.PathLike[str] | None = None,
) -> RenderedPlugin:
    """Render the template for ``request`` into ``dest/openzoo-<name>`` and return it.

    :param dest: the directory to create the plugin in (created when missing).
    :param defaults: answer every question the request leaves open with its default;
        otherwise copier asks them, which needs a terminal.
    :param template: another copy of the template: a directory holding ``copier.yml``, a
        clone of openzoo, or a git URL copier understands; default :func:`template_directory`.
        :func:`~openzoo.scaffold.source.resolve_template` says what the answers file records.
    :raises BadInputError: when the destination exists, copier is missing, questions
        would need a terminal that is not there, or an answer is invalid.
    """
    target = Path(dest) / request.dist
    if target.exists() or target.is_symlink():
        raise BadInputError(
            f"{target} already exists; openzoo new never overwrites anything. Choose another --dest or name, "
            "or remove that directory first"
        )
    if Path(dest).exists() and not Path(dest).is_dir():
        raise BadInputError(f"--dest {dest} is a file, not a directory")
    if not defaults and not stdin_is_terminal():
        raise BadInputError(
            "openzoo new asks its questions on a terminal, and stdin is not one; pass --defaults to take the "
            "default answers (set the ones you need with --task, --backend, --author, --licence ...)"
        )
    source = resolve_template(template)
    copier = _import_copier()
    created = _make_directories(Path(dest))
    staging = Path(tempfile.mkdtemp(prefix=f".{request.dist}-", dir=dest))
    try:
        rendered = staging / request.dist
        try:
            copier.run_copy(
                source.location,
                str(rendered),
                data=request.answers(),
                defaults=defaults,
                quiet=True,
                unsafe=False,
                overwrite=False,
            )
        except ValueError as exc:  # copier's validators and bad data
            raise BadInputError(f"the template refused an answer: {exc}") from None
        answers = record_source(rendered, source, final=target)
        if target.exists():
            raise BadInputError(f"{target} appeared while rendering; openzoo new never overwrites it")
        os.rename(rendered, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for directory in reversed(created):
            shutil.rmtree(directory, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return RenderedPlugin(path=target, dist=request.dist, answers=answers)


def _make_directories(path: Path) -> list[Path]:
    """Create ``path`` and its missing parents; return the ones created, outermost first."""
    missing = []
    for directory in (path, *path.parents):
        if directory.exists():
            break
        missing.append(directory)
    path.mkdir(parents=True, exist_ok=True)
    return list(reversed(missing))


def next_commands(plugin: RenderedPlugin) -> list[str]:
    """Return the three commands to run next: install it, check it, test it."""
    shown = _display(plugin.path)
    return [
        f"pip install -e {shlex.quote(shown)}",
        f"openzoo conformance {plugin.dist}",
        f"pytest {shlex.quote(os.path.join(shown, 'tests'))}",
    ]


def _display(path: Path) -> str:
    """``path`` relative to the working directory when it is inside it, else absolute."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(absolute)
