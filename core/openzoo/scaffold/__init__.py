"""``openzoo new``: create a plugin distribution from the project's copier template.

:func:`build_request` validates what the user asked for (name, kinds, task,
backend, licence) before anything is written; :func:`render_plugin` renders the
template into ``<dest>/openzoo-<name>`` all or nothing; :func:`next_commands`
gives the three commands to run next. The template itself lives in
``templates/plugin`` of the repository and ships inside the wheel as
``openzoo/_template/plugin``.

Importing this package is cheap: copier is imported only to render.
"""

from __future__ import annotations

from openzoo.scaffold.rendering import INSTALL_HINT, RenderedPlugin, next_commands, render_plugin
from openzoo.scaffold.request import (
    BACKENDS,
    KINDS,
    LICENCES,
    TASKS,
    PluginRequest,
    build_request,
    check_plugin_name,
)
from openzoo.scaffold.source import TEMPLATE_REPOSITORY, template_directory

__all__ = [
    "BACKENDS",
    "INSTALL_HINT",
    "KINDS",
    "LICENCES",
    "TASKS",
    "TEMPLATE_REPOSITORY",
    "PluginRequest",
    "RenderedPlugin",
    "build_request",
    "check_plugin_name",
    "next_commands",
    "render_plugin",
    "template_directory",
]
