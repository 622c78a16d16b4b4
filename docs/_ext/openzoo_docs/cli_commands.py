"""The ``openzoo-commands`` directive: every command of :data:`openzoo.cli.COMMANDS`, with sphinx-click.

The root group loads its commands lazily, so documenting it with ``:nested: full`` would import every
command module through the group and abort the whole build on the first one that fails to import.
This directive walks the same table ``openzoo --help`` prints instead, in its order: a summary table,
then one sphinx-click section per command (``openzoo train`` ...). A command whose module cannot be
imported is reported as a Sphinx warning naming the command and the error (an error under ``-W``),
and the other commands are still documented.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

__all__ = ["OpenzooCommandsDirective", "command_rst", "escape_help_text"]

LOGGER = logging.getLogger(__name__)
#: Characters of plain help text that rst would read as markup: any ``*``, and a ``_`` ending a word
#: (``check_model_*`` would otherwise be a reference to ``check_model``).
_RST_MARKUP = re.compile(r"(\*|_(?![A-Za-z0-9]))")


def escape_help_text(app: Any, ctx: Any, lines: list[str]) -> None:
    """Escape rst markup in a command's help text, which click writes as plain text and sphinx-click reads as rst.

    Connected to sphinx-click's description and options events; it edits ``lines`` in place. Without
    it, a glob in a help text (``openzoo list 'toy-*'``) opens an emphasis that never closes.
    Directive lines (``.. option:: ...``) are left alone.
    """
    for index, line in enumerate(lines):
        if not line.lstrip().startswith(".. "):
            lines[index] = _RST_MARKUP.sub(r"\\\1", line)


def command_rst(name: str, reference: str) -> str:
    """Return the reStructuredText that documents ``openzoo NAME`` (implemented at ``reference``)."""
    return f".. click:: {reference}\n   :prog: openzoo {name}\n   :nested: full\n"


def _summary_rst(commands: dict[str, tuple[str, str]]) -> str:
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 1 4", "", "   * - command", "     - what it does"]
    for name, (_, summary) in commands.items():
        lines += [f"   * - `openzoo {name}`_", f"     - {summary}"]
    return "\n".join(lines) + "\n"


class OpenzooCommandsDirective(SphinxDirective):
    """Document every ``openzoo`` subcommand; takes no arguments or content.

    It writes reStructuredText (the language of sphinx-click's ``click`` directive), so a Markdown
    page uses it inside an ``eval-rst`` block.
    """

    has_content = False

    def run(self) -> list[nodes.Node]:
        from openzoo.cli import COMMANDS

        result: list[nodes.Node] = self._parse(_summary_rst(COMMANDS))
        for name, (reference, _) in COMMANDS.items():
            module_name, _, attr = reference.partition(":")
            try:
                command: Any = getattr(importlib.import_module(module_name), attr)
            except (ImportError, AttributeError) as exc:
                LOGGER.warning(
                    "the command 'openzoo %s' cannot be documented: importing %s failed (%s: %s)",
                    name,
                    reference,
                    type(exc).__name__,
                    exc,
                    location=self.get_location(),
                    type="openzoo",
                )
                paragraph = nodes.paragraph(text=f"openzoo {name}: not documented in this build ({reference}).")
                title = nodes.title(text=f"openzoo {name}")
                names = [nodes.fully_normalize_name(f"openzoo {name}")]
                result.append(nodes.section("", title, paragraph, ids=[f"openzoo-{name}"], names=names))
                continue
            del command
            result.extend(self._parse(command_rst(name, reference)))
        return result

    def _parse(self, text: str) -> list[nodes.Node]:
        """Parse reStructuredText (sections allowed) in this directive's context into nodes."""
        container = nodes.Element()
        source, _ = self.get_source_info()
        nested_parse_with_titles(self.state, StringList(text.splitlines(), source=source), container)
        return list(container.children)
