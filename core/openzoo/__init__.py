"""openzoo: a plugin-based framework for open-source AI model contributions.

Plugin authors import from here only: the :data:`hookimpl` marker, the spec
types, the task names, the protocols their components implement and the error
types, and for models built on transformers :func:`quiet_transformers` and the
strict-loading checks :func:`check_weight_files`, :func:`strict_from_pretrained`
and :func:`check_loading_info` (:mod:`openzoo.strict_loading`).
``openzoo.conformance`` adds the pytest helper. Users also find the
Python API here: :func:`train`, :func:`evaluate`, :func:`predict`,
:func:`stream` and :func:`load`, which import the engine (and torch) on first use.
"""

from __future__ import annotations

from typing import Any

from openzoo.data.cache import dataset_cache_dir, downloaded_file
from openzoo.errors import (
    BadInputError,
    ConformanceError,
    DataUnavailableError,
    OpenzooError,
    PluginError,
    UnknownNameError,
)
from openzoo.hookspecs import hookimpl
from openzoo.protocols import DatasetSource, DeviceBackend, Metric, Model, RunLogger
from openzoo.quiet import quiet_transformers
from openzoo.sources import SplitSource
from openzoo.specs import (
    DataFile,
    DatasetSpec,
    DeviceSpec,
    LoggerSpec,
    MetricSpec,
    ModelSpec,
    Option,
    Origin,
    Preset,
    TaskSpec,
)
from openzoo.strict_loading import check_loading_info, check_weight_files, strict_from_pretrained
from openzoo.tasks import IMAGE_CLASSIFICATION, RECOMMENDATION, TEXT_CLASSIFICATION, TEXT_GENERATION

__all__ = [
    "IMAGE_CLASSIFICATION",
    "RECOMMENDATION",
    "TEXT_CLASSIFICATION",
    "TEXT_GENERATION",
    "BadInputError",
    "ConformanceError",
    "DataFile",
    "DataUnavailableError",
    "DatasetSource",
    "DatasetSpec",
    "DeviceBackend",
    "DeviceSpec",
    "LoggerSpec",
    "Metric",
    "MetricSpec",
    "Model",
    "ModelSpec",
    "OpenzooError",
    "Option",
    "Origin",
    "PluginError",
    "Preset",
    "RunLogger",
    "SplitSource",
    "TaskSpec",
    "UnknownNameError",
    "check_loading_info",
    "check_weight_files",
    "dataset_cache_dir",
    "downloaded_file",
    "evaluate",
    "hookimpl",
    "load",
    "predict",
    "quiet_transformers",
    "stream",
    "strict_from_pretrained",
    "train",
]

_ENGINE_API = {"train", "evaluate", "predict", "load", "stream"}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from openzoo.plugins import core_version

        return core_version()
    if name in _ENGINE_API:
        from openzoo.engine import api

        return getattr(api, name)
    raise AttributeError(f"module 'openzoo' has no attribute {name!r}")
