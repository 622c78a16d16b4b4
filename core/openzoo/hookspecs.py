"""The hook specifications: what a plugin implements to contribute components.

A plugin is a module named by an entry point in the ``openzoo`` group. It
implements any of the hooks below, marked with :data:`hookimpl`::

    from openzoo import ModelSpec, Preset, hookimpl

    @hookimpl
    def openzoo_models():
        return [ModelSpec(name="vit", task="image-classification", ...)]

Every hook returns a list of specs: declarations, not objects. The core calls
each plugin's implementation on its own, attributes the specs to the plugin's
distribution, validates all of them before accepting any, and reports a plugin
that raises or returns something invalid as broken, without affecting others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from openzoo.specs import DatasetSpec, DeviceSpec, LoggerSpec, MetricSpec, ModelSpec, TaskSpec

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]

#: The pluggy project name; also the entry-point group plugins register in.
PROJECT_NAME = "openzoo"
#: Marker for hook specifications (used by core only).
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
#: Marker for hook implementations: decorate each ``openzoo_*`` function of a plugin.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# ---------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------


@hookspec
def openzoo_tasks() -> list[TaskSpec]:
    """Return the tasks this plugin defines.

    Called once per process, when the plugin manager is built, while listing and
    before any model code is imported. Core defines text-generation,
    text-classification, image-classification and recommendation; a plugin adds a
    task only when its components need a schema none of those give.

    The lists of all plugins are concatenated. A task name provided twice makes both
    providers' tasks unavailable and is reported by ``openzoo plugins``.

    :returns: a list of :class:`~openzoo.TaskSpec`; an empty list when the plugin defines none.

    .. versionadded:: 0.1

    **Use in plugins**: build the specs from literals; do not import torch, transformers
    or the plugin's model modules here.
    """


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------


@hookspec
def openzoo_models() -> list[ModelSpec]:
    """Return the model architectures this plugin provides.

    Called once per process, when the plugin manager is built, while listing and
    before any model code is imported. The spec's ``factory`` reference is resolved
    only when the model is used (``train``, ``evaluate``, ``predict``, ``conformance``).

    The lists of all plugins are concatenated. A name provided by two plugins is
    reported with both origins; ``dist:name`` still selects either one.

    :returns: a list of :class:`~openzoo.ModelSpec`; an empty list when the plugin provides none.

    .. versionadded:: 0.1

    **Use in plugins**: build the specs from literals; do not import torch, transformers
    or the plugin's model modules here.
    """


# ---------------------------------------------------------------------------
# Datasets
# ---------------------------------------------------------------------------


@hookspec
def openzoo_datasets() -> list[DatasetSpec]:
    """Return the datasets this plugin provides.

    Called once per process, when the plugin manager is built, while listing. The
    spec's ``loader`` reference is resolved only when data is loaded.

    The lists of all plugins are concatenated; clashing names are reported as for models.

    :returns: a list of :class:`~openzoo.DatasetSpec`; an empty list when the plugin provides none.

    .. versionadded:: 0.1

    **Use in plugins**: build the specs from literals; do not read data files, import
    torch or reach the network here. Loaders must work offline.
    """


# ---------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------


@hookspec
def openzoo_metrics() -> list[MetricSpec]:
    """Return the metrics this plugin provides.

    Called once per process, when the plugin manager is built, while listing. The
    spec's ``factory`` reference is resolved only when a metric is computed.

    The lists of all plugins are concatenated; clashing names are reported as for models.

    :returns: a list of :class:`~openzoo.MetricSpec`; an empty list when the plugin provides none.

    .. versionadded:: 0.1

    **Use in plugins**: build the specs from literals; do not import torch or torchmetrics here.
    """


# ---------------------------------------------------------------------------
# Device backends
# ---------------------------------------------------------------------------


@hookspec
def openzoo_devices() -> list[DeviceSpec]:
    """Return the device backends this plugin provides.

    Called once per process, when the plugin manager is built, while listing. The
    spec's ``backend`` reference is resolved when a device is chosen or ``openzoo doctor``
    asks whether it is available. Core provides ``cpu``, ``cuda`` and ``mps``.

    The lists of all plugins are concatenated; clashing names are reported as for models.

    :returns: a list of :class:`~openzoo.DeviceSpec`; an empty list when the plugin provides none.

    .. versionadded:: 0.1

    **Use in plugins**: build the specs from literals; do not import torch or a vendor
    extension here.
    """


# ---------------------------------------------------------------------------
# Loggers (experiment trackers)
# ---------------------------------------------------------------------------


@hookspec
def openzoo_loggers() -> list[LoggerSpec]:
    """Return the experiment trackers this plugin provides for ``openzoo train --logger NAME``.

    Called once per process, when the plugin manager is built, while listing. The
    spec's ``factory`` reference is resolved only when a run names the logger; it is
    called once per training session (a new run or a resume) on the main process, and
    the logger then receives every record the run writes to ``metrics.jsonl``. Core
    provides ``csv``, ``tensorboard`` and ``mlflow``; ``metrics.jsonl`` is always written.

    The lists of all plugins are concatenated; clashing names are reported as for models.

    :returns: a list of :class:`~openzoo.LoggerSpec`; an empty list when the plugin provides none.

    .. versionadded:: 0.2

    **Use in plugins**: build the specs from literals; do not import the tracking
    library (``wandb``, ``aim``) or torch here: import it in the factory's module, and
    name the package to install in :attr:`~openzoo.LoggerSpec.requires`.
    """
