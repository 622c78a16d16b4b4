"""The components a check is run on, with what the checks need from them cached.

One subject per component: the plugin itself (for packaging checks), a model,
a dataset, a metric or a device backend. A subject knows its registry, its
spec, the device selected with ``--device``, and how to build what checks use
(a model from a test preset, the model's test dataset, a metric, a backend).
Expensive, read-only things (the test dataset, the import probe) are built
once per subject; models are built fresh for every check so checks stay
independent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cached_property
from typing import TYPE_CHECKING, Any

from openzoo.conformance.declaration import CheckSkipped, fail
from openzoo.errors import OpenzooError

if TYPE_CHECKING:
    from importlib.metadata import Distribution

    from openzoo.plugins import PluginRecord, Registry
    from openzoo.specs import Preset

__all__ = ["DatasetSubject", "DeviceSubject", "MetricSubject", "ModelSubject", "PluginSubject", "Subject"]

#: Seconds the import probe may take before it is killed.
PROBE_TIMEOUT = 120.0


class Subject:
    """Base of all subjects: a component of one plugin, as checks see it."""

    kind: str = ""

    def __init__(self, *, registry: Registry, device: str = "cpu", plugin: str = "") -> None:
        self.registry = registry
        #: The device selected with ``--device`` (model checks that move the model use it).
        self.device = device
        #: The entry-point name of the plugin the component belongs to.
        self.plugin = plugin
        #: The plugin's own subject, when the component was planned with its plugin (``plan_plugin``):
        #: checks may read what the plugin's checks found (the hygiene probe's report), never start it.
        self.plugin_subject: PluginSubject | None = None

    @property
    def name(self) -> str:
        raise NotImplementedError

    @property
    def dist(self) -> str:
        raise NotImplementedError

    @property
    def component(self) -> str:
        """``kind:name``, the component part of a test id and of ``--select``."""
        return f"{self.kind}:{self.name}"

    @property
    def label(self) -> str:
        """``dist:kind:name``, the subject of every failure message."""
        return f"{self.dist}:{self.component}"

    @property
    def expected_failures(self) -> dict[str, str]:
        return {}

    def __repr__(self) -> str:
        return self.component


class PluginSubject(Subject):
    """A plugin as a distribution: metadata, entry point, import behaviour, specs."""

    kind = "plugin"

    def __init__(self, record: PluginRecord, *, registry: Registry, device: str = "cpu") -> None:
        super().__init__(registry=registry, device=device, plugin=record.name)
        self.record = record

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def dist(self) -> str:
        return self.record.dist

    @cached_property
    def distribution(self) -> Distribution | None:
        """The installed distribution, found on ``sys.path``; ``None`` when it is not installed."""
        from importlib.metadata import PackageNotFoundError, distribution

        try:
            return distribution(self.record.dist)
        except PackageNotFoundError:
            return None

    @cached_property
    def entry_module(self) -> str | None:
        """The module the plugin's entry point names (``openzoo.builtin`` for core's builtins)."""
        if self.record.builtin:
            return "openzoo.builtin"
        dist = self.distribution
        if dist is None:
            return None
        for ep in dist.entry_points:
            if ep.group == "openzoo" and ep.name == self.record.name:
                return ep.value.partition(":")[0]
        return None

    @cached_property
    def probe(self) -> dict[str, Any]:
        """Import the entry module in a fresh interpreter (sockets blocked) and return its report."""
        module = self.entry_module
        if module is None:
            raise fail(
                self,
                "the plugin's entry point must name an importable module",
                "no entry point found",
                "declare [project.entry-points.openzoo] in pyproject.toml and reinstall",
            )
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "openzoo.conformance.probe", module],
                capture_output=True,
                text=True,
                timeout=PROBE_TIMEOUT,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise fail(
                self,
                f"importing {module} must finish",
                f"no answer in {PROBE_TIMEOUT:.0f} s",
                "remove work done at import time",
            ) from None
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise fail(
                self,
                f"importing {module} in a fresh interpreter must succeed",
                tail,
                "run python -c 'import " + module + "' to see the error",
            )
        return json.loads(lines[-1])

    def specs(self) -> list[tuple[str, Any]]:
        """Return ``(kind, spec)`` for every component the plugin provides (clashing ones included)."""
        from openzoo.plugins import KINDS

        found = []
        for kind in KINDS:
            for spec in self.registry.list(kind):
                if (
                    spec.origin is not None
                    and spec.origin.plugin == self.record.name
                    and spec.origin.dist == self.record.dist
                ):
                    found.append((kind, spec))
        return found


class ComponentSubject(Subject):
    """A component declared by a spec."""

    def __init__(self, spec: Any, *, registry: Registry, device: str = "cpu", plugin: str = "") -> None:
        origin = getattr(spec, "origin", None)
        super().__init__(registry=registry, device=device, plugin=plugin or (origin.plugin if origin else ""))
        self.spec = spec

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def dist(self) -> str:
        origin = getattr(self.spec, "origin", None)
        return origin.dist if origin is not None else "unknown"

    @property
    def expected_failures(self) -> dict[str, str]:
        return dict(self.spec.expected_failures)

    def resolve(self) -> Any:
        """Import the spec's lazy reference; a failure is a conformance failure naming the reference."""
        try:
            return self.registry.resolve(self.spec)
        except OpenzooError as exc:
            raise fail(
                self,
                "the lazy reference must import",
                str(exc),
                "fix the 'module:attr' reference or the module's import error",
            ) from None


class ModelSubject(ComponentSubject):
    """A model spec, with its task and test dataset."""

    kind = "model"

    @cached_property
    def task(self) -> Any:
        return self.registry.task(self.spec.task)

    @property
    def test_dataset_name(self) -> str | None:
        return self.spec.test_dataset or self.task.toy_dataset

    @cached_property
    def dataset(self) -> Any:
        """The test dataset source (built once; checks must not mutate it)."""
        name = self.test_dataset_name
        if name is None:
            raise fail(
                self,
                "a model needs a test dataset",
                "neither spec.test_dataset nor the task's toy_dataset",
                "set ModelSpec.test_dataset to a dataset of its task",
            )
        try:
            spec = self.registry.dataset(name)
            loader = self.registry.resolve(spec)
        except OpenzooError as exc:
            raise fail(
                self,
                f"the test dataset {name!r} must be available",
                str(exc),
                "install the plugin that provides it or set ModelSpec.test_dataset",
            ) from None
        if spec.task != self.spec.task:
            raise fail(
                self,
                f"the test dataset must be of task {self.spec.task!r}",
                f"{name!r} of task {spec.task!r}",
                "set ModelSpec.test_dataset to a dataset of the model's task",
            )
        return loader()

    def preset(self, name: str) -> Preset:
        return self.spec.preset(name)

    def build(self, preset: str, *, seed: int = 0) -> Any:
        """Seed torch and build a fresh model from ``preset`` on the test dataset."""
        import torch

        factory = self.resolve()
        torch.manual_seed(seed)
        config = dict(self.preset(preset).config)
        try:
            return factory.create(config=config, dataset=self.dataset)
        except Exception as exc:
            raise fail(
                self,
                f"create(config=<preset {preset}>, dataset=<{self.test_dataset_name}>) must build the model",
                f"{type(exc).__name__}: {exc}",
                "run the factory's create() with the test preset's config to reproduce",
            ) from exc

    def backend(self) -> Any:
        """The device backend selected with ``--device``, instantiated; skips when it is unavailable."""
        spec = self.registry.device(self.device)
        backend_class = self.registry.resolve(spec)
        if not backend_class.is_available():
            raise CheckSkipped(f"device {self.device!r} is not available in this environment", device=self.device)
        return backend_class()


class DatasetSubject(ComponentSubject):
    """A dataset spec."""

    kind = "dataset"

    @cached_property
    def task(self) -> Any:
        return self.registry.task(self.spec.task)

    @property
    def sample_options(self) -> dict[str, Any]:
        """The loader options that read the spec's declared sample (``{}`` when it declares none).

        The sample is written once per subject into a temporary directory, removed when the
        subject is garbage-collected.
        """
        return self._sample[0]

    @property
    def sample_directory(self) -> str | None:
        """The temporary directory the declared sample was written to (``None`` without a sample)."""
        return self._sample[1]

    @cached_property
    def _sample(self) -> tuple[dict[str, Any], str | None]:
        if self.spec.sample is None:
            return {}, None
        import tempfile
        import weakref
        from pathlib import Path

        directory = tempfile.TemporaryDirectory(prefix=f"openzoo-sample-{self.spec.name}-")
        weakref.finalize(self, directory.cleanup)
        try:
            writer = self.registry.resolve(self.spec, attr="sample")
            options = writer(Path(directory.name))
        except OpenzooError as exc:
            raise fail(self, "the sample reference must import", str(exc), "fix DatasetSpec.sample") from None
        except Exception as exc:
            raise fail(
                self,
                "the declared sample must be written",
                f"{type(exc).__name__}: {exc}",
                "make sample(directory) write the files and return the loader options that read them",
            ) from exc
        if not isinstance(options, dict):
            raise fail(
                self,
                "sample(directory) must return the loader options (a dict)",
                type(options).__name__,
                "return {'path': str(directory / 'sample.csv')} or the like",
            )
        return options, directory.name

    def load_source(self) -> Any:
        """Call the loader on the declared sample (else with default options) and return a fresh source."""
        loader = self.resolve()
        return loader(**self.sample_options)


class MetricSubject(ComponentSubject):
    """A metric spec."""

    kind = "metric"

    def tasks(self) -> list[Any]:
        return [self.registry.task(name) for name in self.spec.tasks]

    def options(self) -> dict[str, Any]:
        return {o.name: o.default for o in self.spec.options if o.default is not None}

    def build(self, info: Any) -> Any:
        factory = self.resolve()
        try:
            return factory(info, **self.options())
        except Exception as exc:
            raise fail(
                self,
                "factory(info, **default options) must build the metric",
                f"{type(exc).__name__}: {exc}",
                "accept the task's info mapping and the declared options",
            ) from exc


class DeviceSubject(ComponentSubject):
    """A device backend spec."""

    kind = "device"

    def backend_class(self) -> Any:
        return self.resolve()

    def available_backend(self) -> Any:
        """An instance of the backend; skips the check when the device is not available here."""
        cls = self.backend_class()
        if not cls.is_available():
            raise CheckSkipped(f"device {self.spec.name!r} is not available in this environment", device=self.spec.name)
        return cls()

    def expected_device_type(self) -> str:
        """The torch device type tensors must land on: the backend's ``device_type``, else the spec name."""
        return str(getattr(self.backend_class(), "device_type", self.spec.name))
