"""Config files for ``openzoo train --config run.yaml`` (YAML or TOML), and ``--print-config``.

A config file holds the arguments of ``openzoo train``, one key per flag (``max_steps``
or ``max-steps``), plus the ``-o`` options under ``options``::

    model: vit.tiny
    dataset: digits
    epochs: 3
    lr: 0.001
    metrics: [accuracy, f1_macro]
    loggers: [csv, tensorboard]
    options:
      dropout: 0.1
      dataset.seed: 3

Flags on the command line override the file (``-o`` key by key). The run's
``config.json`` records each resolved value's source under ``sources``: ``flag``,
``config:<file>``, ``preset:<name>`` or ``default``. Unknown keys are an error with a
did-you-mean; values are checked by type before anything is written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openzoo.engine.options import route_options
from openzoo.engine.settings import DEFAULTS, resolve_training_settings
from openzoo.errors import BadInputError, UnknownNameError

__all__ = ["CONFIG_KEYS", "complete_config", "read_config_file", "record_sources"]

#: Every key a config file may hold, with its type: ``int``, ``float``, ``str`` or ``list`` (of str).
CONFIG_KEYS: dict[str, str] = {
    "model": "str",
    "dataset": "str",
    "preset": "str",
    "from_pretrained": "str",
    "metrics": "list",
    "select_metric": "str",
    "device": "str",
    "precision": "str",
    "epochs": "int",
    "max_steps": "int",
    "batch_size": "int",
    "grad_accum": "int",
    "lr": "float",
    "warmup_ratio": "float",
    "weight_decay": "float",
    "max_grad_norm": "float",
    "schedule": "str",
    "eval_every": "int",
    "log_every": "int",
    "seed": "int",
    "workers": "workers",
    "compile": "bool",
    "out": "str",
    "loggers": "list",
    "options": "table",
}
#: Other spellings users reach for: the flag's own name.
_ALIASES = {"metric": "metrics", "logger": "loggers", "option": "options", "o": "options"}
_SUFFIXES = (".yaml", ".yml", ".toml")


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover -- python 3.10
            import tomli as tomllib
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise BadInputError(f"config file {path} is not valid TOML: {exc}") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BadInputError(f"config file {path} is not valid YAML: {exc}") from None


def _convert(path: Path, key: str, value: Any) -> Any:
    kind = CONFIG_KEYS[key]
    where = f"config file {path}: {key}"
    if value is None:
        return None
    if kind == "list":
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadInputError(f"{where} must be a name or a list of names; got {value!r}")
        return value
    if kind == "table":
        if not isinstance(value, Mapping):
            raise BadInputError(f"{where} must be a table of option: value (like -o option=value); got {value!r}")
        bad = [k for k, v in value.items() if isinstance(v, (Mapping, list))]
        if bad:
            raise BadInputError(f"{where}: {', '.join(bad)} must be a single value; write model.X or dataset.X keys")
        return {str(k): v for k, v in value.items() if v is not None}  # null: not set
    if kind == "workers" and isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    if kind == "bool":
        if not isinstance(value, bool):
            raise BadInputError(f"{where} must be true or false; got {value!r}")
        return value
    if kind == "workers":
        kind = "int"
    if kind == "str":
        if not isinstance(value, str):
            raise BadInputError(f"{where} must be text; got {value!r}")
        return value
    if isinstance(value, str):  # YAML 1.1 reads 1e-3 as text
        try:
            value = int(value) if kind == "int" else float(value)
        except ValueError:
            raise BadInputError(f"{where} must be an {kind}; got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInputError(f"{where} must be an {kind}; got {value!r}")
    if kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise BadInputError(f"{where} must be an int; got {value!r}")
        return int(value)
    return float(value)


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Return the checked values of a YAML or TOML config file, keyed as in :data:`CONFIG_KEYS`.

    :raises BadInputError: for a missing or unreadable file, another suffix, invalid syntax,
        an unknown key (with did-you-mean) or a value of the wrong type.
    """
    file = Path(path)
    if file.suffix not in _SUFFIXES:
        raise BadInputError(f"--config {file}: use a .yaml, .yml or .toml file")
    try:
        raw = _load(file)
    except FileNotFoundError:
        raise BadInputError(f"--config {file} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read --config {file}: {exc}") from None
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise BadInputError(f"config file {file} must hold a mapping of key: value; got {type(raw).__name__}")
    values: dict[str, Any] = {}
    for raw_key, value in raw.items():
        key = str(raw_key).replace("-", "_")
        key = _ALIASES.get(key, key)
        if key not in CONFIG_KEYS:
            raise UnknownNameError(
                f"key in config file {file}",
                str(raw_key),
                sorted(CONFIG_KEYS),
                hint="Keys are the flags of 'openzoo train' (max_steps or max-steps); model and dataset "
                "options go under 'options:'.",
            )
        values[key] = _convert(file, key, value)
    return values


def record_sources(
    given: Mapping[str, str],
    *,
    preset: Any,
    options: Mapping[str, Any],
) -> dict[str, str]:
    """Return the source of every training setting and option: ``given`` ones, else ``preset:X`` or ``default``."""
    sources = dict(given)
    for key in (*DEFAULTS, "workers", "compile", "device"):
        if key not in sources:
            in_preset = preset is not None and key in preset.training
            sources[key] = f"preset:{preset.name}" if in_preset else "default"
    for key in options:
        sources.setdefault(f"options.{key}", "default")
    return dict(sorted(sources.items()))


def complete_config(registry: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """Return a complete config for ``values``: every key resolved, every declared option with its default.

    The result is what ``--print-config`` writes: running ``openzoo train --config`` on it
    trains the same run.

    :raises BadInputError: for an unknown model or dataset, or settings out of range.
    """
    from openzoo.engine import components as comp

    if not values.get("model") or not values.get("dataset"):
        raise BadInputError("--print-config needs a MODEL and a --dataset (on the command line or in --config)")
    model_spec, chosen = comp.resolve_model(registry, values["model"], values.get("preset"))
    dataset_spec = registry.dataset(values["dataset"])
    comp.check_same_task(model_spec, dataset_spec, registry)
    task = registry.task(model_spec.task)
    training = {k: values.get(k) for k in (*DEFAULTS, "workers", "compile")}
    device = values.get("device") or "auto"
    settings = resolve_training_settings(chosen.training, training, device=device).as_dict()
    if settings["max_steps"] is not None:
        settings["epochs"] = None  # max_steps decides; the two exclude each other
    metrics = list(values.get("metrics") or comp.default_metric_names(model_spec, task))
    routed = route_options(
        values.get("options") or {},
        model_spec.options,
        dataset_spec.options,
        model_name=model_spec.name,
        dataset_name=dataset_spec.name,
    )
    options: dict[str, Any] = {}
    for scope, declared, chosen_values in (
        ("model", model_spec.options, routed.model),
        ("dataset", dataset_spec.options, routed.dataset),
    ):
        other = dataset_spec.options if scope == "model" else model_spec.options
        for option in declared:
            written = f"{scope}.{option.name}" if any(o.name == option.name for o in other) else option.name
            options[written] = chosen_values.get(option.name, option.default)
    complete: dict[str, Any] = {
        "model": model_spec.name,
        "preset": None if values.get("from_pretrained") else chosen.name,
        "from_pretrained": values.get("from_pretrained"),
        "dataset": dataset_spec.name,
        "metrics": metrics,
        "select_metric": values.get("select_metric") or model_spec.selection_metric or task.selection_metric,
        "loggers": list(values.get("loggers") or []),
        "out": values.get("out"),
        **settings,
        "workers": values.get("workers") if values.get("workers") == "auto" else settings["workers"],
        "options": options,
    }
    return complete
