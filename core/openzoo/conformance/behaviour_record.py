"""A plugin's recorded behaviour: what its components do on fixed inputs, bound to its version.

lm-eval keeps a hash of every task's outputs beside the task's version and fails a change
that alters the outputs without a new version; transformers' integration tests pin expected
logits. The record does the same for an openzoo plugin. ``openzoo conformance record DIST``
observes, on the CPU with seed 0:

- every component's declaration (presets with their training recipes, options, splits,
  capabilities; descriptions and help texts are left out, so rewording needs no new record);
- every dataset's splits as loaded by the suite (from its declared sample, else with the
  default options): the example count and a digest of the examples in order, and, for a
  dataset with a sample, the same under every value of each option with choices and with each
  option the sample leaves unset at each of its declared bounds (suite 1.13); for each
  declared malformed file, what the loader makes of it (its error type, or the digests when
  it loads) as declared and under every value of each option with choices;
- of every refusal (an exception where a load, ``collate`` or ``predict`` gives up), the
  exception's type and, for an :class:`openzoo.OpenzooError`, the integers its message states --
  the line and column numbers, field counts and class ranges a user acts on -- with paths and
  addresses taken out (suite 1.13). The wording is free; a line number or a range that moves is
  a change of behaviour;
- every model's test presets on five examples of its test dataset: the loss and the task's
  main output before training, the losses of five Adam steps (lr 1e-2, eval mode), the
  outputs after them, and what ``predict`` returns for the examples' raw inputs, with the
  default options and under every other choice, bool value and declared bound of each predict
  option (seeded, so sampled answers are recorded too), and under a value well inside the range
  of each bounded one (suite 1.13); ``predict`` on the task's valid but
  unusual inputs (non-Latin text, RGBA images, unknown users), under the default options and
  under every other choice and bool value of each predict option (``fallback=popular`` for an
  unknown user, suite 1.13); and, for classifiers and recommenders, what ``collate`` makes of a
  target outside the label space (a class index one past the last, an unknown user).

It writes them, with the distribution's version, as ``conformance-record.json`` in the
plugin's top-level package (it ships in the wheel). The check
:func:`~openzoo.conformance.record_checks.check_plugin_behaviour_matches_its_record`
observes again and compares: text, integers and digests exactly, floats within
:data:`RELATIVE_TOLERANCE` (other CPUs, thread counts and torch builds round differently).

The record judges a *change* to a plugin that has one -- the pull request that alters what a
released version does without saying so -- not the first version of a new plugin, whose
record is whatever that version does. Nothing here imports torch at import time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openzoo.conformance.subjects import DatasetSubject, ModelSubject, PluginSubject

__all__ = [
    "ABSOLUTE_TOLERANCE",
    "FORMAT",
    "RECORD_NAME",
    "RELATIVE_TOLERANCE",
    "differences",
    "observe",
    "read_record",
    "record_location",
    "refusal",
    "stated_numbers",
    "write_record",
]

#: The file name of a record, in the plugin's top-level package directory.
RECORD_NAME = "conformance-record.json"
#: The record format; a record of another format must be written again.
FORMAT = 1
#: Floats agree when ``|a - b| <= ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * max(|a|, |b|)``.
RELATIVE_TOLERANCE = 2e-4
ABSOLUTE_TOLERANCE = 5e-6
#: Adam steps (at :data:`LEARNING_RATE`, eval mode) whose losses are recorded. Adam's ``eps`` is
#: raised to :data:`ADAM_EPS` so a gradient that is zero up to rounding moves its weight by
#: rounding only, not by a full step of either sign.
TRAIN_STEPS = 5
LEARNING_RATE = 1e-2
ADAM_EPS = 1e-6
#: The largest integer option value ``predict`` is recorded with (a bound such as ``max_new_tokens=1024``
#: is left out).
LARGEST_PROBED_SIZE = 64
#: Values of a model's main output kept in the record (the first ones, flattened), besides its sums.
OUTPUT_VALUES = 32
#: Characters of JSON above which a value of a dataset's ``info`` is kept as a digest.
INFO_CHARACTERS = 400
#: Paths (``/tmp/x/y.csv``, ``C:\\data``, the ``/bert-base`` of a hub id) and addresses (``0x7f..``) in a
#: refusal's message: their digits are not facts the plugin states.
_PATH = re.compile(r"(?:\b[A-Za-z]:)?[\\/][^\s'\"`,;:()\[\]{}<>]*")
_ADDRESS = re.compile(r"\b0[xX][0-9a-fA-F]+\b")
_INTEGER = re.compile(r"\b\d+\b")
#: Spec fields that are prose: rewording them is not a change of behaviour.
_PROSE = frozenset({"description", "help", "origin", "source"})
#: Spec fields added after records were first written (suite 1.7): left out while at their default,
#: so a record made before the field existed still matches a plugin that does not use it.
_LATER_FIELDS = frozenset({"sample_variants"})


def record_location(subject: PluginSubject) -> Path | None:
    """Return where the plugin's record lives (``None`` for core's builtins or an unknown package).

    The path is ``conformance-record.json`` in the directory of the top-level package the entry
    point names; it is found without importing anything new.
    """
    import importlib.util

    module = subject.entry_module
    if module is None or subject.record.builtin:
        return None
    try:
        spec = importlib.util.find_spec(module.partition(".")[0])
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(locations[0]) / RECORD_NAME if locations else None


def read_record(path: Path) -> dict[str, Any]:
    """Read a record file; raise ``ValueError`` naming the problem when it is not one.

    The file maps entry-point names to observations (a package may hold several plugins):
    ``{"format": 1, "plugins": {"vit": {...}}}``.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} cannot be read as JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("plugins"), dict):
        raise ValueError(f"{path} is not a conformance record (no 'plugins' mapping)")
    if data.get("format") != FORMAT:
        raise ValueError(f"{path} has record format {data.get('format')!r}; this suite reads format {FORMAT}")
    return data


def write_record(path: Path, plugin: str, observation: Mapping[str, Any]) -> None:
    """Put ``observation`` in the record file at ``path`` as ``plugin``'s entry, atomically.

    The other plugins' entries are kept; a reader sees the old file or the new one, whole. A file
    that is there but is no record raises ``ValueError`` and is left as it is.
    """
    from openzoo.engine.rundir import atomic_write_bytes

    plugins = dict(read_record(path)["plugins"]) if path.exists() else {}  # an unreadable file is kept: ValueError
    plugins[plugin] = observation
    record = {"format": FORMAT, "plugins": dict(sorted(plugins.items()))}
    text = json.dumps(record, indent=1, sort_keys=True, allow_nan=False, ensure_ascii=False) + "\n"
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644  # a file that ships in a wheel is world-readable
    atomic_write_bytes(path, text.encode("utf-8"))
    path.chmod(mode)


def observe(subject: PluginSubject) -> dict[str, Any]:
    """Observe the behaviour of every model and dataset the plugin provides (CPU, seed 0)."""
    from openzoo.conformance.subjects import DatasetSubject, ModelSubject

    components: dict[str, Any] = {}
    for kind, spec in subject.specs():
        if kind == "models":
            model = ModelSubject(spec, registry=subject.registry)
            components[model.component] = _observe_model(model)
        elif kind == "datasets":
            dataset = DatasetSubject(spec, registry=subject.registry)
            components[dataset.component] = _observe_dataset(dataset)
        elif kind in ("metrics", "devices", "loggers"):
            components[f"{kind[:-1]}:{spec.name}"] = {"declaration": plain_declaration(spec)}
    return {
        "dist": subject.dist,
        "version": subject.record.version,
        "made_with": made_with(),
        "components": components,
    }


def made_with() -> dict[str, str]:
    """The versions of the libraries the observed numbers depend on (not compared; named on a failure)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("torch", "transformers", "numpy", "pillow", "tokenizers"):
        try:
            found[name] = version(name).split("+")[0]
        except PackageNotFoundError:
            continue
    return found


def plain_declaration(spec: Any) -> Any:
    """Return a spec as plain JSON values, without its prose fields and its origin."""
    if dataclasses.is_dataclass(spec) and not isinstance(spec, type):
        return {
            f.name: plain_declaration(getattr(spec, f.name))
            for f in dataclasses.fields(spec)
            if f.name not in _PROSE
            and not f.name.startswith("_")
            and not (f.name in _LATER_FIELDS and getattr(spec, f.name) == f.default)
        }
    return _plain(spec)


def _plain(value: Any) -> Any:
    """Return ``value`` as JSON values: floats stay floats, arrays and images become digests."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain_declaration(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    module = type(value).__module__
    if module.startswith(("torch", "numpy")) and hasattr(value, "shape"):
        return _tensor_summary(value)
    if module.startswith("PIL"):
        from openzoo.conformance.fingerprints import fingerprint

        return {"image": list(value.size), "mode": value.mode, "digest": fingerprint(value)}
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return [_plain(v) for v in value]
    if callable(value):
        return f"{getattr(value, '__module__', '?')}:{getattr(value, '__qualname__', type(value).__name__)}"
    return repr(value)


def _tensor_summary(value: Any) -> dict[str, Any]:
    """Shape, dtype, sum, sum of absolute values and the first values of a tensor or array."""
    import torch

    tensor = torch.as_tensor(value).detach().cpu()
    dtype = str(tensor.dtype).removeprefix("torch.")
    if tensor.dtype == torch.bool or not (tensor.is_floating_point() or tensor.is_complex()):
        return {"shape": list(tensor.shape), "dtype": dtype, "values": tensor.flatten()[:OUTPUT_VALUES].tolist()}
    values = tensor.double()
    finite = values[torch.isfinite(values)]
    return {
        "shape": list(tensor.shape),
        "dtype": dtype,
        "sum": float(finite.sum()) if finite.numel() else 0.0,
        "abs_sum": float(finite.abs().sum()) if finite.numel() else 0.0,
        "values": [_plain(float(v)) for v in values.flatten()[:OUTPUT_VALUES].tolist()],
    }


def _scrubbed(value: Any, directory: str) -> Any:
    """``value`` with the temporary sample directory written as ``<sample>`` in every string."""
    if isinstance(value, str):
        return value.replace(directory, "<sample>")
    if isinstance(value, Mapping):
        return {k: _scrubbed(v, directory) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrubbed(v, directory) for v in value]
    return value


def _digest(examples: Sequence[Any], directory: str | None) -> str:
    from openzoo.conformance.fingerprints import fingerprint

    digest = hashlib.sha256()
    for example in examples:
        digest.update(fingerprint(_scrubbed(example, directory) if directory else example).encode("ascii"))
    return digest.hexdigest()


def _small(value: Any) -> Any:
    """``value`` as plain JSON, or its digest when it is long (id maps of a large dataset)."""
    plain = _plain(value)
    text = json.dumps(plain, sort_keys=True, ensure_ascii=False)
    return plain if len(text) <= INFO_CHARACTERS else {"digest": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def _splits(source: Any, directory: str | None) -> dict[str, Any]:
    info = dict(getattr(source, "info", {}) or {})
    out: dict[str, Any] = {
        "info": {str(k): _small(_scrubbed(v, directory) if directory else v) for k, v in info.items()}
    }
    for split in source.splits():
        examples = source.load(split)
        everything = [examples[i] for i in range(len(examples))]
        out[str(split)] = {"count": len(everything), "digest": _digest(everything, directory)}
    return out


def stated_numbers(message: str) -> list[int]:
    """The integers ``message`` states, in ascending order, once paths and addresses are taken out.

    ``"<dir>/ratings.csv:7: expected 4 fields, found 3"`` states ``[3, 4, 7]``. Only whole numbers
    count: the digits of a word (``bz2``, ``fp16``, an id such as ``i31``) are no fact. The order
    of the message is not kept, so a message that lists values in hash order states the same facts
    in every process.
    """
    text = _ADDRESS.sub(" ", _PATH.sub(" ", message))
    return sorted(int(digits) for digits in _INTEGER.findall(text))


def refusal(exc: BaseException, key: str = "error") -> dict[str, Any]:
    """What is recorded of a refusal: ``{key: the exception's type}``, and for an
    :class:`openzoo.OpenzooError` (the plugin's own words) the numbers its message states as ``facts``."""
    from openzoo.errors import OpenzooError

    entry: dict[str, Any] = {key: type(exc).__name__}
    if isinstance(exc, OpenzooError):
        entry["facts"] = stated_numbers(str(exc))
    return entry


def _load_or_error(load: Any, directory: str | None) -> dict[str, Any]:
    from openzoo.errors import DataUnavailableError

    try:
        return _splits(load(), directory)
    except DataUnavailableError:
        return {"unavailable": True}
    except Exception as exc:  # noqa: BLE001 -- a refusal is behaviour too: record which error and what it states
        return refusal(exc)


def _observe_dataset(subject: DatasetSubject) -> dict[str, Any]:
    from openzoo.conformance.declared_range_checks import at_bound_values

    entry: dict[str, Any] = {"declaration": plain_declaration(subject.spec)}
    directory = subject.sample_directory
    entry["load"] = _load_or_error(subject.load_source, directory)
    if subject.spec.sample is None:
        return entry
    loader = subject.resolve()
    variants = _variants(subject, loader, subject.sample_options, directory)
    if variants:
        entry["variants"] = variants
    bounds = _variants(subject, loader, subject.sample_options, directory, at_bound_values)
    if bounds:
        entry["bound variants"] = bounds
    if subject.spec.malformed_samples is not None:
        entry["malformed"] = _observe_malformed(subject, loader)
    if subject.spec.sample_variants is not None:
        entry["sample variants"] = _observe_sample_variants(subject, loader)
    return entry


def _choice_values(option: Any) -> list[Any]:
    """The values of an option with choices, or ``True`` and ``False`` for a bool option."""
    return list(option.choices) or ([True, False] if option.type == "bool" else [])


def _variants(
    subject: DatasetSubject,
    loader: Any,
    base: Mapping[str, Any],
    directory: str | None,
    values_of: Callable[[Any], list[Any]] = _choice_values,
) -> dict[str, Any]:
    """Loads of ``base`` with each option it leaves unset at each of ``values_of(option)`` but the default.

    By default every other value of each option with choices (or of a bool option); with
    :func:`~openzoo.conformance.declared_range_checks.at_bound_values`, each declared bound (suite
    1.13): a value the range allows may still be refused with the others (two fractions that
    leave no training data), and the refusal and the numbers it states are behaviour too.
    """
    from openzoo.conformance.option_checks import as_parsed

    variants: dict[str, Any] = {}
    for option in subject.spec.options:
        if option.name in base:
            continue
        for value in values_of(option):
            key = f"{option.name}={value}"
            if value == option.default or key in variants:
                continue
            options = {**base, option.name: as_parsed(value)}
            variants[key] = _load_or_error(lambda options=options: loader(**options), directory)
    return variants


def _observe_malformed(subject: DatasetSubject, loader: Any) -> dict[str, Any]:
    """Each declared malformed file as loaded with its options, and under every other option choice.

    A file that is broken under the default options may be good under another (a duplicate rating
    with ``duplicates=last``): what each value makes of it is behaviour too.
    """
    import tempfile

    from openzoo.conformance.malformed_sample_checks import malformed_cases

    with tempfile.TemporaryDirectory(prefix=f"openzoo-malformed-{subject.spec.name}-") as directory:
        cases = malformed_cases(subject, Path(directory))
        observed: dict[str, Any] = {}
        for name, (options, _words) in sorted(cases.items()):
            observed[str(name)] = {
                "as declared": _load_or_error(lambda options=options: loader(**options), directory),
                **_variants(subject, loader, options, directory),
            }
    return observed


def _observe_sample_variants(subject: DatasetSubject, loader: Any) -> dict[str, Any]:
    """What each declared well-formed sample variant loads."""
    import tempfile

    from openzoo.conformance.malformed_sample_checks import sample_variants

    with tempfile.TemporaryDirectory(prefix=f"openzoo-variants-{subject.spec.name}-") as directory:
        variants = sample_variants(subject, Path(directory))
        return {
            str(name): _load_or_error(lambda options=options: loader(**options), directory)
            for name, options in sorted(variants.items())
        }


def _observe_model(subject: ModelSubject) -> dict[str, Any]:
    entry: dict[str, Any] = {"declaration": plain_declaration(subject.spec)}
    for preset in subject.spec.test_presets:
        entry[f"preset={preset.name}"] = _observe_preset(subject, preset.name)
    return entry


def _observe_preset(subject: ModelSubject, preset: str) -> dict[str, Any]:
    import torch

    from openzoo.conformance.behaviour_checks import predict_raw_inputs
    from openzoo.conformance.model_checks import prepared
    from openzoo.conformance.model_runtime import forward
    from openzoo.conformance.task_inputs import raw_input

    key = next(iter(subject.task.outputs))
    model, batch, examples = prepared(subject, preset)
    module = model.module
    before = forward(subject, module, batch)
    entry: dict[str, Any] = {
        "loss": _plain(_scalar(before.get("loss"))),
        "output": _plain(before.get(key)),
    }
    params = [p for p in module.parameters() if p.requires_grad]
    losses = []
    if params and before.get("loss") is not None:
        optimizer = torch.optim.Adam(params, lr=LEARNING_RATE, eps=ADAM_EPS)
        for _ in range(TRAIN_STEPS):
            optimizer.zero_grad(set_to_none=True)
            loss = forward(subject, module, batch, grad=True)["loss"]
            loss.backward()
            optimizer.step()
            losses.append(_scalar(loss))
    entry["train_losses"] = _plain(losses)
    entry["output_after_training"] = _plain(forward(subject, module, batch).get(key))
    inputs = [raw_input(subject.spec.task, e) for e in examples]
    entry["predict"] = _plain(predict_raw_inputs(subject, model, inputs))
    variants = _predict_variants(subject, model, inputs[:2])
    if variants:
        entry["predict_variants"] = variants
    inside = _predict_variants(subject, model, inputs[:2], inside=True)
    if inside:
        entry["predict_inside"] = inside
    unusual = _predict_unusual(subject, model)
    if unusual:
        entry["predict_unusual"] = unusual
    unusual_variants = _predict_unusual_variants(subject, model)
    if unusual_variants:
        entry["predict_unusual_variants"] = unusual_variants
    refusals = _collate_refusals(subject, model, examples)
    if refusals:
        entry["collate_refusals"] = refusals
    return entry


def _predict_unusual(subject: ModelSubject, model: Any, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``predict`` on each valid but unusual input of the task (non-Latin text, emoji, RGBA, unknown users), one at a time.

    A refusal is recorded by its exception's name and the numbers it states. Tokenizer
    normalisation (CJK characters, accents), alpha compositing and unknown-id fallbacks show only here.
    """
    import torch

    from openzoo.conformance.behaviour_checks import raw_predict_options
    from openzoo.conformance.input_checks import unusual_inputs

    options = {**raw_predict_options(subject), **(overrides or {})}
    observed: dict[str, Any] = {}
    for description, value in unusual_inputs(subject.spec.task).items():
        if overrides is not None:  # the variants are seeded (suite 1.13); the plain call is as it was recorded before
            torch.manual_seed(0)
        try:
            with warnings.catch_warnings():  # a deprecated alias warns; its answer is what counts
                warnings.simplefilter("ignore")
                observed[description] = _plain(model.predict([value], **options))
        except Exception as exc:  # noqa: BLE001 -- a refusal is what is recorded
            observed[description] = refusal(exc, "refused")
    return observed


def _probe_options(option: Any, value: Any, names: set[str]) -> dict[str, Any]:
    """``predict``'s options for probing ``option`` at ``value``: ``seed=0`` and four new tokens beside it,
    when the model declares them, so sampled answers are recorded and generation stays short."""
    from openzoo.conformance.option_checks import as_parsed

    options: dict[str, Any] = {option.name: as_parsed(value)}
    if "seed" in names and option.name != "seed":
        options["seed"] = 0
    if "max_new_tokens" in names and option.name != "max_new_tokens":
        options["max_new_tokens"] = 4
    return options


def _predict_unusual_variants(subject: ModelSubject, model: Any) -> dict[str, Any]:
    """The unusual inputs under every other choice and bool value of each predict option (suite 1.13).

    An option such as ``fallback=popular`` acts only on an input the defaults refuse (an unknown
    user), so :func:`_predict_variants`, on the examples' own inputs, never sees it act.
    """

    names = {option.name for option in subject.spec.predict_options}
    observed: dict[str, Any] = {}
    for option in subject.spec.predict_options:
        for value in _choice_values(option):
            key = f"{option.name}={value}"
            if value == option.default or key in observed:
                continue
            observed[key] = _predict_unusual(subject, model, _probe_options(option, value, names))
    return observed


def _collate_refusals(subject: ModelSubject, model: Any, examples: Sequence[Any]) -> dict[str, Any]:
    """What ``collate`` makes of three examples whose last target lies outside the label space (suite 1.13).

    The targets are those of
    :func:`~openzoo.conformance.semantics_checks.check_model_collate_refuses_targets_outside_its_label_space`;
    a refusal is recorded by its type and the numbers it states (the range of class indices it
    names), an acceptance as ``"accepted"``.
    """
    from openzoo.conformance.semantics_checks import LABEL_SPACE_TASKS, batches_outside_label_space

    if subject.spec.task not in LABEL_SPACE_TASKS or not examples:
        return {}
    observed: dict[str, Any] = {}
    for description, damaged in batches_outside_label_space(subject, examples[:3]):
        try:
            model.collate(damaged)
        except Exception as exc:  # noqa: BLE001 -- a refusal is what is recorded
            observed[description] = refusal(exc)
        else:
            observed[description] = "accepted"
    return observed


def _predict_variants(subject: ModelSubject, model: Any, inputs: list[Any], *, inside: bool = False) -> dict[str, Any]:
    """``predict`` under every other choice, bool value and declared bound of each predict option.

    With ``inside``, under the values well inside each bounded option's range instead
    (:func:`~openzoo.conformance.declared_range_checks.inside_values`: ``top_k=2`` where only 1 is a
    bound; suite 1.13). Sizes above :data:`LARGEST_PROBED_SIZE` (``max_new_tokens=1024``) are left out:
    they cost time and take no other path. ``seed=0`` is passed when the model declares a ``seed``
    option, and torch is seeded before each call, so sampled answers are recorded too.
    """
    import torch

    from openzoo.conformance.declared_range_checks import at_bound_values, inside_values

    names = {option.name for option in subject.spec.predict_options}
    observed: dict[str, Any] = {}
    for option in subject.spec.predict_options:
        if inside:
            values = inside_values(option)
        else:
            values = [*_choice_values(option), *at_bound_values(option)]
        for value in values:
            small = not isinstance(value, int) or isinstance(value, bool) or abs(value) <= LARGEST_PROBED_SIZE
            key = f"{option.name}={value}"
            if value == option.default or not small or key in observed:
                continue
            options = _probe_options(option, value, names)
            torch.manual_seed(0)
            try:
                with warnings.catch_warnings():  # a deprecated alias warns; its answer is what counts
                    warnings.simplefilter("ignore")
                    observed[key] = _plain(model.predict(list(inputs), **options))
            except Exception as exc:  # noqa: BLE001 -- a refusal is behaviour too: record which error
                observed[key] = refusal(exc)
    return observed


def _scalar(value: Any) -> float | None:
    return None if value is None else float(value.detach().float().cpu().reshape(-1)[0])


#: Observations added after records were first made: a record made before them is not judged on them.
ADDED_LATER = frozenset(
    {"predict_unusual", "predict_unusual_variants", "predict_inside", "collate_refusals", "facts", "bound variants"}
)


def differences(recorded: Any, observed: Any, where: str = "") -> list[str]:
    """Return where ``observed`` departs from ``recorded``: ``'path: recorded -> observed'`` lines.

    Text, integers, booleans and digests must be equal; floats within the tolerances.
    """
    if isinstance(recorded, Mapping) and isinstance(observed, Mapping):
        out: list[str] = []
        for key in sorted(set(recorded) | set(observed), key=str):
            path = f"{where}.{key}" if where else str(key)
            if key not in observed:
                out.append(f"{path}: recorded, no longer observed")
            elif key not in recorded:
                if key not in ADDED_LATER:
                    out.append(f"{path}: observed, not in the record")
            else:
                out.extend(differences(recorded[key], observed[key], path))
        return out
    if isinstance(recorded, list) and isinstance(observed, list):
        if len(recorded) != len(observed):
            return [f"{where}: {len(recorded)} values -> {len(observed)}"]
        out = []
        for index, (a, b) in enumerate(zip(recorded, observed)):
            out.extend(differences(a, b, f"{where}[{index}]"))
        return out
    numbers = (int, float)
    if (
        isinstance(recorded, numbers)
        and isinstance(observed, numbers)
        and not isinstance(recorded, bool)
        and not isinstance(observed, bool)
        and (isinstance(recorded, float) or isinstance(observed, float))
    ):
        gap = abs(float(recorded) - float(observed))
        if gap <= ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * max(abs(float(recorded)), abs(float(observed))):
            return []
    elif type(recorded) is type(observed) and recorded == observed:
        return []
    return [f"{where}: {_short(recorded)} -> {_short(observed)}"]


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
