"""Looking up and building what a run needs: model spec and preset, dataset, metrics, device.

Every lookup goes through a :class:`~openzoo.plugins.Registry`, so unknown names
get a did-you-mean, and every mismatch (a dataset or metric of another task, a
precision the model or device cannot run, a device that is not here, an empty
split) is a :class:`~openzoo.BadInputError` that says what to do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, final

from openzoo.engine.options import convert_option, parse_metric_name
from openzoo.errors import BadInputError, PluginError, UnknownNameError
from openzoo.plugins import SINGULAR, Registry, split_model_name
from openzoo.specs import DatasetSpec, MetricSpec, ModelSpec, Preset, TaskSpec

__all__ = [
    "DevicePlan",
    "MetricPlan",
    "build_metrics",
    "describe_origin",
    "load_source",
    "load_split",
    "plan_metrics",
    "recorded_metrics",
    "recorded_spec",
    "resolve_device",
    "resolve_model",
]

#: ``--device auto`` takes the first available of these.
AUTO_DEVICES = ("cuda", "mps", "cpu")


def describe_origin(spec: Any) -> dict[str, Any]:
    """Return ``{"name", "dist", "version", "plugin"}`` of a spec, for ``config.json``."""
    origin = getattr(spec, "origin", None)
    if origin is None:
        return {"name": spec.name}
    return {"name": spec.name, "dist": origin.dist, "version": origin.version, "plugin": origin.plugin}


def recorded_spec(registry: Registry, kind: str, entry: Mapping[str, Any], where: str) -> Any:
    """Return the spec a run's ``config.json`` entry names, from the distribution recorded there.

    A run records ``name`` and ``dist`` of each component, so a plugin installed later
    that provides the same name changes nothing for the run. An entry without ``dist``
    (written by an older openzoo) is looked up by its plain name.

    :param kind: ``models``, ``datasets`` or ``metrics``.
    :param where: the config file, for messages.
    :raises BadInputError: when the entry is corrupt or its distribution no longer provides the name.
    """
    name, dist = entry.get("name"), entry.get("dist")
    if not isinstance(name, str) or not name:
        raise BadInputError(f"run configuration {where} is corrupt: a {kind} entry has no name")
    if not isinstance(dist, str) or not dist:
        return registry.get(kind, name)
    try:
        return registry.get(kind, f"{dist}:{name}")
    except UnknownNameError:
        version = entry.get("version")
        others = [s for s in registry.list(kind) if s.name == name]
        elsewhere = (
            f" ({', '.join(str(s.origin) for s in others)} provides {name!r} too, but the run was not trained with it)"
            if others
            else ""
        )
        has_version = isinstance(version, str) and bool(version)
        release = f"{dist} {version}" if has_version else dist
        raise BadInputError(
            f"the run was trained with {SINGULAR[kind]} {name!r} from {release}, which is not installed{elsewhere}; "
            f"install it (pip install '{dist}{f'=={version}' if has_version else ''}')"
        ) from None


def recorded_metrics(config: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Return the metric keys of a run's ``config.json`` and the distribution of each (for :func:`plan_metrics`)."""
    entries = [m for m in config.get("metrics") or [] if isinstance(m, Mapping) and isinstance(m.get("key"), str)]
    dists = {m["key"]: m["dist"] for m in entries if isinstance(m.get("dist"), str) and m["dist"]}
    return [m["key"] for m in entries], dists


def resolve_model(registry: Registry, name: str, preset: str | None) -> tuple[ModelSpec, Preset]:
    """Return the model spec and preset for ``name`` (which may be ``arch.preset``).

    :raises BadInputError: for an unknown model or preset, or two different presets named.
    """
    base, tag = split_model_name(name)
    if tag and preset and tag != preset:
        raise BadInputError(f"model {name!r} names preset {tag!r} but --preset is {preset!r}; name one preset")
    spec = registry.model(base)
    return spec, spec.preset(tag or preset)


def task_of(registry: Registry, spec: ModelSpec | DatasetSpec) -> TaskSpec:
    return registry.task(spec.task)


def check_same_task(model: ModelSpec, dataset: DatasetSpec, registry: Registry) -> None:
    """:raises BadInputError: when the dataset yields examples of another task than the model solves."""
    if model.task != dataset.task:
        fitting = [d.name for d in registry.list("datasets", task=model.task)]
        choices = ", ".join(fitting) if fitting else "none installed"
        raise BadInputError(
            f"dataset {dataset.name!r} is for task {dataset.task!r} but model {model.name!r} solves "
            f"{model.task!r}; datasets for {model.task!r}: {choices}"
        )


def load_source(registry: Registry, spec: DatasetSpec, options: Mapping[str, Any]) -> Any:
    """Call the dataset's loader with ``options`` and return its :class:`~openzoo.DatasetSource`."""
    loader = registry.resolve(spec)
    try:
        return loader(**options)
    except (BadInputError, PluginError):
        raise
    except (TypeError, ValueError, OSError) as exc:
        raise BadInputError(f"dataset {spec.name!r} could not be loaded: {exc}") from exc


def pick_split(source: Any, wanted: str | None, *, purpose: str, dataset: str) -> str | None:
    """Return the split to use: ``wanted``, or for evaluation during training ``validation``/the second split."""
    splits = list(source.splits())
    if wanted is not None:
        if wanted not in splits:
            raise UnknownNameError(f"split of dataset {dataset!r}", wanted, splits)
        return wanted
    if purpose == "train":
        return splits[0]
    if "validation" in splits:
        return "validation"
    return splits[1] if len(splits) > 1 else None


def load_split(source: Any, split: str, dataset: str) -> Sequence[Any]:
    """Return the examples of ``split``.

    :raises BadInputError: when the split is empty.
    """
    examples = source.load(split)
    if len(examples) == 0:
        raise BadInputError(
            f"split {split!r} of dataset {dataset!r} is empty; choose another split or check the dataset's options"
        )
    return examples


@final
@dataclass(frozen=True, slots=True)
class MetricPlan:
    """One metric to compute: the name as the user wrote it, its spec and its options."""

    #: The key of the metric in results, as written (``accuracy``, ``ndcg@5``).
    key: str
    #: The metric's spec.
    spec: MetricSpec
    #: Options for the metric's factory (``k`` from ``@k``).
    options: Mapping[str, Any]

    @property
    def higher_is_better(self) -> bool:
        return self.spec.higher_is_better


def plan_metrics(
    registry: Registry, names: Sequence[str], task: str, dists: Mapping[str, str] | None = None
) -> list[MetricPlan]:
    """Look up metrics by name (``name@k`` allowed) and check that each applies to ``task``.

    :param dists: the distribution to take each metric from, by its key in ``names`` (a run's record).
    :raises BadInputError: for an unknown metric, one of another task, or a bad ``@k``.
    """
    plans = []
    for text in dict.fromkeys(names):
        name, raw_options = parse_metric_name(text)
        dist = (dists or {}).get(text)
        spec = registry.metric(f"{dist}:{name}" if dist else name)
        if task not in spec.tasks:
            fitting = ", ".join(m.name for m in registry.list("metrics", task=task)) or "none installed"
            raise BadInputError(
                f"metric {name!r} does not apply to task {task!r} (it measures {', '.join(spec.tasks)}); "
                f"metrics for {task!r}: {fitting}"
            )
        declared = {o.name: o for o in spec.options}
        options = {}
        for key, value in raw_options.items():
            if key not in declared:
                raise BadInputError(f"metric {name!r} takes no @{key} option; write it as {name!r}")
            options[key] = convert_option(declared[key], value, f"metric {name!r}")
        plans.append(MetricPlan(key=text, spec=spec, options=options))
    return plans


def default_metric_names(model: ModelSpec, task: TaskSpec) -> tuple[str, ...]:
    return tuple(model.default_metrics) if model.default_metrics is not None else tuple(task.default_metrics)


def selection_metric(model: ModelSpec, task: TaskSpec, wanted: str | None, plans: Sequence[MetricPlan]) -> MetricPlan:
    """Return the plan that selects the best checkpoint.

    :raises BadInputError: when the chosen metric is not among those evaluated.
    """
    keys = [p.key for p in plans]
    name = wanted or model.selection_metric or task.selection_metric
    if name is None:
        return plans[0]
    for plan in plans:
        if plan.key == name:
            return plan
    if wanted is None:
        base = [p for p in plans if p.spec.name == name]
        return base[0] if base else plans[0]
    raise BadInputError(f"--select-metric {name!r} is not one of the evaluated metrics ({', '.join(keys)})")


def build_metrics(registry: Registry, plans: Sequence[MetricPlan], info: Mapping[str, Any], device: Any) -> dict:
    """Return ``{key: metric}`` built by each metric's factory, moved to ``device`` when they are modules."""
    built = {}
    for plan in plans:
        metric = registry.resolve(plan.spec)(info, **plan.options)
        if hasattr(metric, "to"):
            metric = metric.to(device)
        built[plan.key] = metric
    return built


@final
@dataclass(frozen=True, slots=True)
class DevicePlan:
    """The device a run uses: spec name, backend instance, precision."""

    #: Device name (``cpu``, ``cuda``, ``mps`` or a plugin's).
    name: str
    #: Instance of the device's backend class.
    backend: Any
    #: Precision to run in.
    precision: str


def resolve_device(registry: Registry, name: str, precision: str, model: ModelSpec | None) -> DevicePlan:
    """Return the device ``name`` (``auto`` picks one) after checking it is usable in ``precision``.

    :raises BadInputError: for an unknown or unavailable device, or a precision that the device
        or the model does not support.
    """
    names = registry.names("devices")
    if name == "auto":
        for candidate in AUTO_DEVICES:
            if candidate in names and registry.resolve(registry.device(candidate)).is_available():
                name = candidate
                break
        else:
            raise BadInputError("--device auto found no available device; install a device plugin or use --device")
    spec = registry.device(name)
    backend_class = registry.resolve(spec)
    if not backend_class.is_available():
        usable = [n for n in names if registry.resolve(registry.device(n)).is_available()]
        raise BadInputError(
            f"device {name!r} is not available on this machine; available devices: {', '.join(usable) or 'none'} "
            "(or --device auto)"
        )
    backend = backend_class()
    supported = tuple(backend.supported_precisions())
    if precision not in supported:
        raise BadInputError(
            f"precision {precision!r} is not supported on device {name!r}; it supports {', '.join(supported)}"
        )
    if model is not None and precision not in model.precisions:
        raise BadInputError(
            f"precision {precision!r} is not supported by model {model.name!r}; it supports "
            f"{', '.join(model.precisions)}"
        )
    return DevicePlan(name=name, backend=backend, precision=precision)
