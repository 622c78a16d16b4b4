"""Which copy of the plugin template to render, and what the answers file records about it.

``copier update`` follows the template source and version a plugin's
``.copier-answers.yml`` records (``_src_path`` and ``_commit``); it needs a git
repository whose root holds ``copier.yml``, tagged with versions. So the answers file
never records where the template happened to sit on the contributor's machine:

- the template inside openzoo (an installed wheel, or ``templates/plugin`` of a clone,
  found by :func:`template_directory` or given as ``--template <clone>``) is recorded as
  :data:`TEMPLATE_REPOSITORY` at the tag ``v<openzoo version>``: the release publishes
  ``templates/plugin`` there, tagged with the core's version;
- a git URL (``gh:owner/repo``, ``https://...``, ``git@...``) is recorded as given,
  at the commit or tag copier rendered;
- a local git repository of a template is recorded as its ``origin`` remote, or, when
  it has none, as a path relative to the plugin (``copier update`` runs from there).

Nothing here imports copier or torch.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, final

from openzoo.errors import BadInputError, OpenzooError

__all__ = ["TEMPLATE_REPOSITORY", "TemplateSource", "record_source", "resolve_template", "template_directory"]

#: The published plugin template: a git repository whose root is ``templates/plugin``, tagged ``v<openzoo version>``.
TEMPLATE_REPOSITORY = "gh:openzoo/openzoo-plugin-template"
#: Where the template sits inside a clone of the openzoo repository.
_IN_REPOSITORY = Path("templates", "plugin")
_URL = re.compile(r"^(gh:|gl:|git@|git\+|https?://|ssh://|file://)")


@final
@dataclass(frozen=True, slots=True)
class TemplateSource:
    """A copy of the template to render and what the answers file records about it."""

    #: What copier renders: a directory holding ``copier.yml``, or a git URL.
    location: str
    #: ``_src_path`` to record; ``None`` keeps what copier wrote (a URL as given).
    src_path: str | None = None
    #: ``_commit`` to record; ``None`` keeps what copier wrote (the commit or tag it rendered).
    commit: str | None = None
    #: A local git repository without an ``origin``: recorded relative to the plugin.
    local_repository: Path | None = None


def template_directory() -> Path:
    """Return the directory of the plugin template (the one holding ``copier.yml``).

    An installed openzoo ships it as ``openzoo/_template/plugin``; a source checkout
    (an editable install) has it at ``templates/plugin`` of the repository.

    :raises OpenzooError: when neither exists (a broken installation).
    """
    package = Path(__file__).resolve().parent.parent
    candidates = (package / "_template" / "plugin", package.parent.parent / _IN_REPOSITORY)
    for candidate in candidates:
        if (candidate / "copier.yml").is_file():
            return candidate
    raise OpenzooError(
        f"the plugin template is missing from this openzoo installation (looked in {candidates[0]} and "
        f"{candidates[1]}); reinstall openzoo: pip install --force-reinstall 'openzoo[new]'"
    )


def _release_tag() -> str:
    from openzoo.plugins import core_version

    return f"v{core_version()}"


def _git(directory: Path, *args: str) -> str | None:
    """Return the output of ``git -C directory ARGS``, or ``None`` when git fails or is missing."""
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _is_repository_root(directory: Path) -> bool:
    top = _git(directory, "rev-parse", "--show-toplevel")
    return top is not None and Path(top).resolve() == directory.resolve()


def resolve_template(template: str | os.PathLike[str] | None) -> TemplateSource:
    """Return what to render for ``--template`` (``None``: the template inside openzoo).

    :raises BadInputError: for a directory that holds no template.
    """
    if template is None:
        return TemplateSource(str(template_directory()), TEMPLATE_REPOSITORY, _release_tag())
    text = os.fspath(template)
    if _URL.match(text):
        return TemplateSource(text)
    directory = Path(text).expanduser()
    if not directory.is_dir():
        raise BadInputError(
            f"--template {text}: no such directory; give a directory holding copier.yml, a clone of openzoo, "
            "or a git URL such as gh:owner/repo"
        )
    directory = directory.resolve()
    if not (directory / "copier.yml").is_file():
        if (directory / _IN_REPOSITORY / "copier.yml").is_file():  # a clone of the openzoo repository
            return TemplateSource(str(directory / _IN_REPOSITORY), TEMPLATE_REPOSITORY, _release_tag())
        raise BadInputError(
            f"--template {text}: holds no copier.yml (nor {_IN_REPOSITORY / 'copier.yml'}); give the template "
            "directory, a clone of openzoo, or a git URL"
        )
    if not _is_repository_root(directory):  # a plain copy: updates follow the published template
        return TemplateSource(str(directory), TEMPLATE_REPOSITORY, _release_tag())
    origin = _git(directory, "remote", "get-url", "origin")
    if origin:
        return TemplateSource(str(directory), src_path=origin)
    return TemplateSource(str(directory), local_repository=directory)


def record_source(plugin: Path, source: TemplateSource, *, final: Path | None = None) -> dict[str, Any]:
    """Rewrite ``_src_path`` and ``_commit`` in ``plugin/.copier-answers.yml`` for ``source``; return the answers.

    :param final: where the plugin will live, when it is rendered elsewhere first (a relative
        ``_src_path`` is relative to it); default ``plugin``.
    """
    import yaml  # a dependency of copier

    path = plugin / ".copier-answers.yml"
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    answers = yaml.safe_load(text)
    if not isinstance(answers, dict):
        return {}
    if source.src_path is not None:
        answers["_src_path"] = source.src_path
    elif source.local_repository is not None:
        answers["_src_path"] = os.path.relpath(source.local_repository, (final or plugin).resolve())
    if source.commit is not None:
        answers["_commit"] = source.commit
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    ordered = {key: answers[key] for key in ("_commit", "_src_path") if key in answers}
    ordered |= {key: value for key, value in answers.items() if key not in ordered}
    path.write_text(header + yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return ordered
