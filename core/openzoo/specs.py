"""The spec types: small, frozen declarations that plugins return from hooks.

A spec says *what* a component is (its name, task, description, presets and
options) and *where* the code that builds it lives, as a lazy ``"module:attr"``
reference. Nothing here imports torch or the plugin's model code: listing what
is installed reads specs only. The plugin manager resolves a reference the
first time the component is used and records the :class:`Origin` of every spec.

Every spec validates itself when it is created (names, references, presets),
so a mistake in a plugin is reported where it is declared, not at first use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, final

from openzoo.errors import UnknownNameError

__all__ = [
    "CAPABILITIES",
    "PRECISIONS",
    "DataFile",
    "DatasetSpec",
    "DeviceSpec",
    "LoggerSpec",
    "MetricSpec",
    "ModelSpec",
    "Option",
    "Origin",
    "Preset",
    "TaskSpec",
]

#: A component name: lower-case letters, digits, ``-`` and ``_``, starting with a letter.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
#: A SHA-256 digest written as 64 lower-case hexadecimal digits.
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
#: A file name that a download is stored under: no directories, no leading dot.
FILE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$")
#: A lazy reference: ``package.module:attribute`` (the attribute may be dotted).
REFERENCE_PATTERN = re.compile(
    r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"
)
#: The precisions a model or device can declare. ``fp32`` is always supported.
PRECISIONS: tuple[str, ...] = ("fp32", "bf16", "fp16")
#: Capabilities a model may declare; each one selects conformance checks.
CAPABILITIES: frozenset[str] = frozenset(
    {
        "generation",  # the model generates text (greedy determinism, max_new_tokens, eos checks)
        "kv_cache",  # the same tokens with and without the KV cache; predict uses it by default
        "torch_compile",  # torch.compile(module) must give the same outputs
        "gradient_checkpointing",  # module.gradient_checkpointing_enable() keeps the loss and gradients
        "batch_invariance",  # an example's outputs alone equal its outputs inside a padded batch
        "onnx",  # the forward pass exports to ONNX and onnxruntime matches torch (openzoo export)
        "pretrained",  # create(pretrained=DIR) starts from what save() wrote (--from-pretrained); never refused
    }
)
OptionType = Literal["int", "float", "str", "bool", "list[int]", "list[float]", "list[str]"]
_OPTION_TYPES = ("int", "float", "str", "bool", "list[int]", "list[float]", "list[str]")
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "str": (str,),
    "bool": (bool,),
}


def _is_option_value(value: Any, type_: str) -> bool:
    """Return whether ``value`` is a valid value of an option of type ``type_`` (a list is a tuple or list)."""
    element_type = type_.removeprefix("list[").removesuffix("]")
    if element_type != type_:
        return isinstance(value, (tuple, list)) and all(_is_option_value(item, element_type) for item in value)
    if type_ != "bool" and isinstance(value, bool):
        return False
    return isinstance(value, _PYTHON_TYPES[type_])


def _check_name(kind: str, name: str) -> None:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ValueError(
            f"invalid {kind} name {name!r}: use lower-case letters, digits, '-' and '_', "
            "starting with a letter (at most 64 characters)"
        )


def _check_reference(owner: str, attr: str, value: str) -> None:
    if not isinstance(value, str) or not REFERENCE_PATTERN.match(value):
        raise ValueError(
            f"{owner}: {attr}={value!r} is not a lazy reference; write it as "
            "'package.module:attribute', for example 'openzoo_vit.model:ViTModel'"
        )


def _check_description(owner: str, description: str) -> None:
    if not isinstance(description, str) or not description.strip():
        raise ValueError(f"{owner}: description must be a non-empty sentence saying what it is")


def _freeze(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


def _check_expected_failures(owner: str, waivers: Mapping[str, str]) -> None:
    for check_id, reason in waivers.items():
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"{owner}: expected failure {check_id!r} needs a non-empty reason")


@final
@dataclass(frozen=True, slots=True)
class Origin:
    """Where a spec came from: the distribution and entry point that provided it."""

    #: Distribution name as installed, for example ``openzoo-vit``; ``openzoo`` for builtins.
    dist: str
    #: Version of that distribution, read from its metadata without importing it.
    version: str
    #: Name of the entry point in the ``openzoo`` group (the plugin's name).
    plugin: str
    #: True for the components that ship inside core itself.
    builtin: bool = False

    def __str__(self) -> str:
        return f"{self.dist} {self.version}" + (" (builtin)" if self.builtin else "")


@final
@dataclass(frozen=True, slots=True)
class Option:
    """A user-settable option of a component, set on the command line with ``-o name=value``."""

    #: Identifier of the option (``[a-z][a-z0-9_]*``).
    name: str
    #: Value type: ``int``, ``float``, ``str``, ``bool``, or a list of one of the first three
    #: (``list[int]``, ``list[float]``, ``list[str]``: comma-separated on the command line,
    #: ``-o depths=2,2,4``, a tuple in Python). Command-line text is converted to it.
    type: OptionType
    #: Value used when the user sets nothing; ``None`` means "not set" (the component decides).
    #: A list option's default is a tuple (a list is turned into one).
    default: Any = None
    #: One line for ``openzoo info`` and the docs.
    help: str = ""
    #: If non-empty, the only values allowed.
    choices: tuple[Any, ...] = ()
    #: Smallest value allowed (of each element, for a list option); ``None``: no lower bound.
    #: Only for ``int``, ``float``, ``list[int]`` and ``list[float]`` options.
    minimum: float | None = None
    #: Largest value allowed (of each element, for a list option); ``None``: no upper bound.
    maximum: float | None = None
    #: True when ``minimum`` itself is not allowed (``> minimum``, as click's ``FloatRange(min_open=True)``).
    min_open: bool = False
    #: True when ``maximum`` itself is not allowed (``< maximum``).
    max_open: bool = False

    def __post_init__(self) -> None:
        if not re.match(r"^[a-z][a-z0-9_]*$", self.name or ""):
            raise ValueError(f"invalid option name {self.name!r}: use [a-z][a-z0-9_]*")
        if self.type not in _OPTION_TYPES:
            raise ValueError(f"option {self.name!r}: type must be one of {_OPTION_TYPES}, got {self.type!r}")
        if self.default is not None and not _is_option_value(self.default, self.type):
            raise ValueError(f"option {self.name!r}: default {self.default!r} is not of type {self.type}")
        if isinstance(self.default, list):
            object.__setattr__(self, "default", tuple(self.default))
        if self.choices and self.default is not None and self.default not in self.choices:
            raise ValueError(f"option {self.name!r}: default {self.default!r} is not among choices {self.choices}")
        _check_bounds(self)

    @property
    def element_type(self) -> str:
        """The type of one value: ``int`` for an ``int`` option and for a ``list[int]`` one."""
        return self.type.removeprefix("list[").removesuffix("]")

    def range_text(self) -> str:
        """Return the allowed range as interval text (``[0, 1)``, ``>= 1``, ``> 0``); empty without bounds."""
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return f"{'(' if self.min_open else '['}{low}, {high}{')' if self.max_open else ']'}"
        if low is not None:
            return f"{'>' if self.min_open else '>='} {low}"
        if high is not None:
            return f"{'<' if self.max_open else '<='} {high}"
        return ""

    def in_range(self, value: Any) -> bool:
        """Return whether a number (or each number of a list value) lies within the declared bounds."""
        if isinstance(value, (tuple, list)):
            return all(self.in_range(item) for item in value)
        low, high = self.minimum, self.maximum
        if low is not None and (value <= low if self.min_open else value < low):
            return False
        return high is None or (value < high if self.max_open else value <= high)


def _check_bounds(option: Option) -> None:
    """Reject bounds on a non-numeric option, bounds that allow nothing, and a default or choice out of range."""
    low, high = option.minimum, option.maximum
    for label, bound, is_open in (("minimum", low, option.min_open), ("maximum", high, option.max_open)):
        if bound is None and is_open:
            raise ValueError(f"option {option.name!r}: {label[:3]}_open needs a {label}")
    if low is None and high is None:
        return
    element_type = option.element_type
    if element_type not in ("int", "float"):
        raise ValueError(f"option {option.name!r}: bounds apply to int and float options only, not {option.type}")
    for label, bound in (("minimum", low), ("maximum", high)):
        if bound is not None and (not _is_option_value(bound, element_type) or not math.isfinite(bound)):
            raise ValueError(f"option {option.name!r}: {label} {bound!r} must be a finite {element_type}")
    if low is not None and high is not None and (low > high or (low == high and (option.min_open or option.max_open))):
        raise ValueError(f"option {option.name!r}: the range {option.range_text()} holds no value")
    for value in (option.default, *option.choices):
        if value is not None and not option.in_range(value):
            raise ValueError(f"option {option.name!r}: {value!r} is outside its range {option.range_text()}")


@final
@dataclass(frozen=True, slots=True)
class Preset:
    """A named configuration of a model: architecture sizes and defaults for training."""

    #: Preset name, for example ``tiny``, ``small`` or ``base``.
    name: str
    #: One line: what the preset is for ("for tests and conformance", "the digits demo").
    description: str
    #: Keyword arguments that the model's ``create`` receives as ``config`` (architecture sizes).
    config: Mapping[str, Any] = field(default_factory=dict)
    #: Training defaults the engine uses unless the user overrides them
    #: (``epochs``, ``batch_size``, ``lr``, ``warmup_ratio``, ``weight_decay``, ``max_steps``).
    training: Mapping[str, Any] = field(default_factory=dict)
    #: True when the conformance suite builds and checks this preset. It must stay small
    #: (the suite asserts fewer than one million parameters) and fast on a CPU.
    test: bool = False
    #: True when the preset only sets fine-tuning defaults: it is used with ``--from-pretrained``
    #: and ``create`` refuses to build it from scratch (with ``BadInputError``). Every other
    #: preset must build and run (``check_model_every_preset_builds_and_starts_near_chance``).
    requires_pretrained: bool = False

    def __post_init__(self) -> None:
        _check_name("preset", self.name)
        object.__setattr__(self, "config", _freeze(self.config))
        object.__setattr__(self, "training", _freeze(self.training))
        unknown = set(self.training) - {"epochs", "max_steps", "batch_size", "lr", "warmup_ratio", "weight_decay"}
        if unknown:
            raise ValueError(f"preset {self.name!r}: unknown training defaults {sorted(unknown)}")


@final
@dataclass(frozen=True, slots=True)
class DataFile:
    """A file a dataset reads that ``openzoo data fetch`` downloads on request (loaders stay offline)."""

    #: File name in the cache (``$OPENZOO_CACHE/downloads/<dataset>/<name>``); no directories.
    name: str
    #: ``https://`` (or ``http://``) address the file is downloaded from.
    url: str
    #: Size in bytes; a download of another size is rejected.
    size: int
    #: SHA-256 of the file as 64 lower-case hex digits; a download with another digest is rejected.
    sha256: str
    #: Licence and provenance of the file, shown by ``openzoo data list``.
    license: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not FILE_NAME_PATTERN.match(self.name):
            raise ValueError(f"data file name {self.name!r}: use a plain file name (letters, digits, '._+-')")
        owner = f"data file {self.name!r}"
        if not isinstance(self.url, str) or not self.url.startswith(("https://", "http://")):
            raise ValueError(f"{owner}: url must start with https:// or http://; got {self.url!r}")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size <= 0:
            raise ValueError(f"{owner}: size must be a positive number of bytes; got {self.size!r}")
        if not isinstance(self.sha256, str) or not SHA256_PATTERN.match(self.sha256):
            raise ValueError(f"{owner}: sha256 must be 64 lower-case hex digits; got {self.sha256!r}")


@final
@dataclass(frozen=True, slots=True)
class TaskSpec:
    """A task: the schema every dataset, model and metric of that task agrees on.

    A dataset of the task yields examples with the fields in :attr:`example`; a model's
    ``collate`` turns a list of them into a batch, and its ``module(**batch)`` returns a
    mapping with the keys in :attr:`outputs` (plus ``loss`` when the batch has targets);
    ``predict`` takes the raw inputs described by :attr:`predict_input` and returns one
    record per input shaped as :attr:`predict_output`.
    """

    #: Task name, for example ``image-classification``.
    name: str
    #: One paragraph: what the task is.
    description: str
    #: Example schema: field name -> what it holds (type and meaning).
    example: Mapping[str, str]
    #: Model outputs: key of the mapping ``module(**batch)`` returns -> shape and meaning.
    outputs: Mapping[str, str]
    #: Targets: key of the batch ``collate`` returns that metrics compare outputs with.
    targets: Mapping[str, str]
    #: What ``Model.predict`` takes, one item per input (and what the CLI turns arguments into).
    predict_input: str
    #: What ``Model.predict`` returns for each input.
    predict_output: str
    #: Metric names the engine evaluates when the user names none.
    default_metrics: tuple[str, ...] = ()
    #: Metric that selects the best checkpoint when the user names none.
    selection_metric: str | None = None
    #: Name of a small generated dataset of this task (shipped in core) that the conformance
    #: suite uses to build and exercise models of the task.
    toy_dataset: str | None = None
    #: Where the spec came from; set by the plugin manager.
    origin: Origin | None = None

    def __post_init__(self) -> None:
        _check_name("task", self.name)
        _check_description(f"task {self.name!r}", self.description)
        object.__setattr__(self, "example", _freeze(self.example))
        object.__setattr__(self, "outputs", _freeze(self.outputs))
        object.__setattr__(self, "targets", _freeze(self.targets))
        if self.selection_metric is not None and self.selection_metric not in self.default_metrics:
            raise ValueError(f"task {self.name!r}: selection_metric must be one of default_metrics")


@final
@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model architecture that the engine can build, train, evaluate, save and load."""

    #: Unique model name, for example ``vit``. ``dist:name`` selects one when two plugins clash.
    name: str
    #: Name of the task the model solves (see :class:`TaskSpec`).
    task: str
    #: One line for listings; the first sentence is shown in ``openzoo list``.
    description: str
    #: Lazy reference to the class implementing :class:`openzoo.protocols.Model`.
    factory: str
    #: Named configurations. The first preset marked ``test`` is what conformance builds.
    presets: tuple[Preset, ...]
    #: Preset used when the user names none; ``None`` means the first one.
    default_preset: str | None = None
    #: Options the user may set with ``-o name=value`` (passed to ``create`` with the preset's config).
    options: tuple[Option, ...] = ()
    #: Options of ``predict`` (``openzoo predict RUN -o top_k=3``).
    predict_options: tuple[Option, ...] = ()
    #: Precisions the model supports for training and inference, from :data:`PRECISIONS`.
    precisions: tuple[str, ...] = ("fp32",)
    #: Declared capabilities, from :data:`CAPABILITIES`; each selects conformance checks.
    capabilities: frozenset[str] = frozenset()
    #: For Hugging Face based models, the ``transformers`` Auto class that loads a saved
    #: directory (``AutoModelForImageClassification``); ``None`` for plain PyTorch models.
    hf_auto_class: str | None = None
    #: Metrics evaluated when the user names none; ``None`` means the task's defaults.
    default_metrics: tuple[str, ...] | None = None
    #: Metric that selects the best checkpoint; ``None`` means the task's.
    selection_metric: str | None = None
    #: Dataset name the conformance suite builds and checks the model with; ``None`` means
    #: the task's :attr:`TaskSpec.toy_dataset`.
    test_dataset: str | None = None
    #: Conformance checks the model is known to fail: check id -> reason. Shown in every report.
    expected_failures: Mapping[str, str] = field(default_factory=dict)
    #: Where the spec came from; set by the plugin manager.
    origin: Origin | None = None

    def __post_init__(self) -> None:
        _check_name("model", self.name)
        owner = f"model {self.name!r}"
        _check_name("task", self.task)
        _check_description(owner, self.description)
        _check_reference(owner, "factory", self.factory)
        if not self.presets or not all(isinstance(p, Preset) for p in self.presets):
            raise ValueError(f"{owner}: presets must be a non-empty tuple of Preset")
        names = [p.name for p in self.presets]
        if len(set(names)) != len(names):
            raise ValueError(f"{owner}: duplicate preset names in {names}")
        if self.default_preset is not None and self.default_preset not in names:
            raise ValueError(f"{owner}: default_preset {self.default_preset!r} is not one of {names}")
        bad = [p for p in self.precisions if p not in PRECISIONS]
        if bad or "fp32" not in self.precisions:
            raise ValueError(
                f"{owner}: precisions must include 'fp32' and come from {PRECISIONS}; got {self.precisions}"
            )
        unknown = set(self.capabilities) - CAPABILITIES
        if unknown:
            raise ValueError(f"{owner}: unknown capabilities {sorted(unknown)}; known: {sorted(CAPABILITIES)}")
        object.__setattr__(self, "capabilities", frozenset(self.capabilities))
        object.__setattr__(self, "expected_failures", _freeze(self.expected_failures))
        _check_expected_failures(owner, self.expected_failures)

    def preset(self, name: str | None = None) -> Preset:
        """Return the preset called ``name`` (the default preset when ``None``)."""
        wanted = name or self.default_preset or self.presets[0].name
        for preset in self.presets:
            if preset.name == wanted:
                return preset
        raise UnknownNameError(f"preset of model {self.name!r}", wanted, [p.name for p in self.presets])

    @property
    def test_presets(self) -> tuple[Preset, ...]:
        """The presets the conformance suite checks."""
        return tuple(p for p in self.presets if p.test)


@final
@dataclass(frozen=True, slots=True)
class DatasetSpec:
    """A dataset: where examples of a task come from, split into named splits."""

    #: Unique dataset name, for example ``digits``.
    name: str
    #: Name of the task whose example schema the dataset yields.
    task: str
    #: One line for listings.
    description: str
    #: Lazy reference to a callable ``(**options) -> DatasetSource``.
    loader: str
    #: Split names every load provides, in order (training split first).
    splits: tuple[str, ...] = ("train", "validation", "test")
    #: Options the user may set with ``-o name=value`` (a path, a column name, a seed).
    options: tuple[Option, ...] = ()
    #: Where the data comes from and under which licence (shown by ``openzoo info``).
    source: str = ""
    #: Files the loader reads that ``openzoo data fetch NAME`` downloads on request; empty when the
    #: data ships with an installed package or is generated. The loader never downloads them itself.
    downloads: tuple[DataFile, ...] = ()
    #: Conformance checks the dataset is known to fail: check id -> reason.
    expected_failures: Mapping[str, str] = field(default_factory=dict)
    #: Where the spec came from; set by the plugin manager.
    origin: Origin | None = None
    #: For a dataset that reads the user's files (a ``path`` option): lazy reference to a
    #: callable ``(directory: pathlib.Path) -> dict`` that writes a small sample of such files
    #: into the empty ``directory`` (or finds one shipped with the plugin) and returns the
    #: loader options that read it. The conformance suite runs every dataset check on it.
    sample: str | None = None
    #: Lazy reference to a callable ``(directory: pathlib.Path) -> dict`` that writes deliberately
    #: malformed files into the empty ``directory`` and returns, for each case's name, a pair
    #: ``(options, words)``: the loader options that read the file, and words the loader's
    #: ``BadInputError`` must contain (``"fields but the header has"``). The conformance suite
    #: checks that each is refused so, naming the problem. ``None``: no such cases.
    malformed_samples: str | None = None
    #: Lazy reference to a callable ``(directory: pathlib.Path) -> dict`` that writes further
    #: well-formed files into the empty ``directory`` -- the formats and option settings the one
    #: :attr:`sample` does not hold (a CSV with a header beside tab-separated lines, integer
    #: labels, ``-o delimiter=tab``) -- and returns, for each variant's name, the loader options
    #: that read it. The conformance suite holds each load to the dataset rules (and the
    #: behaviour record digests it). ``None``: no variants.
    sample_variants: str | None = None

    def __post_init__(self) -> None:
        _check_name("dataset", self.name)
        owner = f"dataset {self.name!r}"
        _check_name("task", self.task)
        _check_description(owner, self.description)
        _check_reference(owner, "loader", self.loader)
        if self.sample is not None:
            _check_reference(owner, "sample", self.sample)
        if self.malformed_samples is not None:
            _check_reference(owner, "malformed_samples", self.malformed_samples)
        if self.sample_variants is not None:
            _check_reference(owner, "sample_variants", self.sample_variants)
        if not self.splits:
            raise ValueError(f"{owner}: declare at least one split")
        object.__setattr__(self, "downloads", tuple(self.downloads))
        if not all(isinstance(f, DataFile) for f in self.downloads):
            raise ValueError(f"{owner}: downloads must be a tuple of DataFile")
        names = [f.name for f in self.downloads]
        if len(set(names)) != len(names):
            raise ValueError(f"{owner}: two downloads share a file name in {names}")
        object.__setattr__(self, "expected_failures", _freeze(self.expected_failures))
        _check_expected_failures(owner, self.expected_failures)


@final
@dataclass(frozen=True, slots=True)
class MetricSpec:
    """A metric: a streaming statistic over model outputs and batches of one or more tasks."""

    #: Unique metric name, for example ``accuracy`` or ``ndcg``.
    name: str
    #: Tasks the metric applies to.
    tasks: tuple[str, ...]
    #: One line for listings.
    description: str
    #: Lazy reference to a callable ``(info, **options) -> Metric`` (see :class:`openzoo.protocols.Metric`).
    factory: str
    #: True when larger values are better (accuracy), False when smaller are (perplexity, RMSE).
    higher_is_better: bool = True
    #: Closed range of possible values, ``(low, high)``; ``math.inf`` for unbounded.
    range: tuple[float, float] = (0.0, 1.0)
    #: Options, for example ``k`` for ranking metrics; ``--metric ndcg@5`` sets ``k=5``.
    options: tuple[Option, ...] = ()
    #: Conformance checks the metric is known to fail: check id -> reason.
    expected_failures: Mapping[str, str] = field(default_factory=dict)
    #: Where the spec came from; set by the plugin manager.
    origin: Origin | None = None

    def __post_init__(self) -> None:
        _check_name("metric", self.name)
        owner = f"metric {self.name!r}"
        if not self.tasks:
            raise ValueError(f"{owner}: name at least one task")
        for task in self.tasks:
            _check_name("task", task)
        _check_description(owner, self.description)
        _check_reference(owner, "factory", self.factory)
        low, high = self.range
        if not (low <= high) or math.isnan(low) or math.isnan(high):
            raise ValueError(f"{owner}: range must be (low, high) with low <= high; got {self.range}")
        object.__setattr__(self, "expected_failures", _freeze(self.expected_failures))
        _check_expected_failures(owner, self.expected_failures)


@final
@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """A device backend: how the engine places tensors, runs mixed precision and seeds."""

    #: Unique backend name used by ``--device``, for example ``cpu`` or ``cuda``.
    name: str
    #: One line for listings.
    description: str
    #: Lazy reference to the class implementing :class:`openzoo.protocols.DeviceBackend`.
    backend: str
    #: Conformance checks the backend is known to fail: check id -> reason.
    expected_failures: Mapping[str, str] = field(default_factory=dict)
    #: Where the spec came from; set by the plugin manager.
    origin: Origin | None = None

    def __post_init__(self) -> None:
        _check_name("device", self.name)
        owner = f"device {self.name!r}"
        _check_description(owner, self.description)
        _check_reference(owner, "backend", self.backend)
        object.__setattr__(self, "expected_failures", _freeze(self.expected_failures))
        _check_expected_failures(owner, self.expected_failures)


@final
@dataclass(frozen=True, slots=True)
class LoggerSpec:
    """An experiment tracker that ``openzoo train --logger NAME`` sends a run's scalars and settings to."""

    #: Unique logger name used by ``--logger``, for example ``tensorboard``.
    name: str
    #: One line for listings.
    description: str
    #: Lazy reference to a callable building the logger (see :class:`openzoo.protocols.RunLogger`).
    factory: str
    #: What to install when the factory's imports are missing, for example ``openzoo[tensorboard]``.
    requires: str = ""
    #: Top-level modules the logger imports (``("tensorboard",)``); ``openzoo train`` checks that they
    #: are installed, without importing them, before it writes anything.
    imports: tuple[str, ...] = ()
    #: Where the spec came from; set by the plugin manager.
    origin: Origin | None = None

    def __post_init__(self) -> None:
        _check_name("logger", self.name)
        owner = f"logger {self.name!r}"
        _check_description(owner, self.description)
        _check_reference(owner, "factory", self.factory)
        object.__setattr__(self, "imports", tuple(self.imports))
        bad = [m for m in self.imports if not isinstance(m, str) or not m.replace(".", "").replace("_", "").isalnum()]
        if bad:
            raise ValueError(f"{owner}: imports must be module names; got {bad}")
