"""Sphinx extension of the openzoo docs site: the pages that are generated, never hand-copied.

On ``builder-inited``, before Sphinx reads any source, it writes (atomically, and only when the text
changed, so incremental builds stay incremental):

- ``reference/tasks.md`` from :data:`openzoo.tasks.CORE_TASKS`;
- ``reference/plugin-catalogue.md`` from the installed plugins and their conformance certificates;
- ``plugins/<distribution>.md`` from each reference plugin's ``README.md``;
- ``project/{contributing,governance,security}.md`` from the repository's root files.

It also checks that the committed ``reference/conformance-checks.md`` (written by
``python -m openzoo.conformance.catalogue --output ...``) is current, warning when it is not, so a
``-W`` build fails on a stale catalogue; and it provides the ``openzoo-commands`` directive that
documents every command of :data:`openzoo.cli.COMMANDS` with sphinx-click.

Environment: ``OPENZOO_DOCS_REPORTS`` is the directory of conformance reports the plugin catalogue
reads (default: ``reports/`` at the repository root, where ``nox -s plugin`` writes them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sphinx.util import logging

from openzoo_docs.cli_commands import OpenzooCommandsDirective, escape_help_text
from openzoo_docs.generated import write_if_changed
from openzoo_docs.plugin_catalogue import plugin_catalogue_page
from openzoo_docs.repository_pages import ROOT, plugin_readmes, repository_pages
from openzoo_docs.tasks_page import tasks_page

__all__ = ["ROOT", "generate", "setup"]

LOGGER = logging.getLogger(__name__)

#: The committed catalogue page, relative to the docs source directory, and the command that rewrites it.
CONFORMANCE_PAGE = "reference/conformance-checks.md"
REGENERATE = "python -m openzoo.conformance.catalogue --output docs/reference/conformance-checks.md"


def reports_directory() -> Path:
    """Return the directory whose ``<distribution>/certificate*.json`` the plugin catalogue reads."""
    return Path(os.environ.get("OPENZOO_DOCS_REPORTS") or ROOT / "reports")


def check_conformance_page(srcdir: Path) -> None:
    """Warn (an error under ``-W``) when the committed conformance catalogue page is missing or stale."""
    from openzoo.conformance.catalogue import markdown

    page = srcdir / CONFORMANCE_PAGE
    if not page.exists():
        LOGGER.warning("%s is missing; generate it: %s", CONFORMANCE_PAGE, REGENERATE, type="openzoo")
    elif page.read_text(encoding="utf-8") != markdown():
        LOGGER.warning(
            "%s does not match the conformance catalogue; regenerate it: %s",
            CONFORMANCE_PAGE,
            REGENERATE,
            type="openzoo",
        )


def generate(app: Any) -> None:
    """Write every generated page into the source directory and check the committed one."""
    srcdir = Path(app.srcdir)
    readme_dists = [Path(page).name for page in plugin_readmes().values()]
    pages = {
        "reference/tasks.md": tasks_page(),
        "reference/plugin-catalogue.md": plugin_catalogue_page(reports_directory(), readme_dists),
        **repository_pages(),
    }
    for relative, text in pages.items():
        write_if_changed(srcdir / relative, text)
    check_conformance_page(srcdir)


def setup(app: Any) -> dict[str, Any]:
    """Register the page generator, the ``openzoo-commands`` directive and the help-text escaping."""
    app.setup_extension("sphinx_click")
    app.connect("builder-inited", generate)
    app.add_directive("openzoo-commands", OpenzooCommandsDirective)
    for event in ("sphinx-click-process-description", "sphinx-click-process-options"):
        app.connect(event, escape_help_text)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
