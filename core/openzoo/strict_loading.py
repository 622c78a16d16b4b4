"""Loading weights strictly: a damaged or foreign checkpoint is an error naming the file and the keys.

transformers' ``from_pretrained`` initialises any weight a checkpoint lacks and only logs it,
and a plugin's own loader may be as lenient; either way a model whose weights silently failed
to load still predicts -- at random. The engine (:mod:`openzoo.engine.weights`) and the plugins
built on transformers share these checks:

- :func:`check_weight_files`, before anything is built: every ``*.safetensors`` file of a
  directory must be whole (only the headers are read); with ``require=True`` the directory must
  hold safetensors at all (a ``pytorch_model.bin`` is a pickle and is never loaded); and given
  the ``network`` its ``config.json`` describes, that network, sized on torch's ``meta`` device,
  may hold at most about twice the files' values (:data:`SIZE_ALLOWANCE`), so a crafted config
  cannot make the loader allocate gigabytes;
- :func:`strict_from_pretrained`, around transformers' ``from_pretrained``: every missing,
  unexpected or reshaped key it reports (``output_loading_info=True``) is an error naming the
  keys, except those the caller declares may differ (a classifier head it replaces).

Nothing here imports torch, safetensors or transformers until a check runs, so
``import openzoo`` stays light. Plugins import the checks from ``openzoo`` itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from openzoo.errors import BadInputError

__all__ = [
    "SIZE_ALLOWANCE",
    "check_loading_info",
    "check_weight_files",
    "listed_keys",
    "reshaped_key",
    "stored_shapes",
    "strict_from_pretrained",
    "weights_mismatch",
]

#: Values a network may hold beyond twice its weight files before :func:`check_weight_files` refuses to
#: build it: room for a new classifier head, and for differences small enough to be reported key by key.
SIZE_ALLOWANCE = 2**24
#: How many keys a message lists before it says "and N more".
SHOWN_KEYS = 8

#: ``{file: {key: shape}}``, what :func:`check_weight_files` returns.
WeightFiles = dict[Path, dict[str, tuple[int, ...]]]


def listed_keys(keys: Iterable[str]) -> str:
    """Return ``keys`` sorted and joined for a message, the first :data:`SHOWN_KEYS` then "and N more"."""
    ordered = sorted(keys)
    more = f" and {len(ordered) - SHOWN_KEYS} more" if len(ordered) > SHOWN_KEYS else ""
    return ", ".join(ordered[:SHOWN_KEYS]) + more


def reshaped_key(key: str, stored: Iterable[int], built: Iterable[int]) -> str:
    """Return ``key (file [..], model [..])``: a key whose shape in the files differs from the model's."""
    return f"{key} (file {list(stored)}, model {list(built)})"


def weights_mismatch(
    source: object, subject: str, problems: Iterable[str], *, plugin: str | None = None
) -> BadInputError:
    """Return the error for weights in ``source`` that do not fit ``subject`` (``"model 'bert'"``, say)."""
    return BadInputError(
        f"{_prefix(plugin)}the weights in {source} do not match {subject}: {'; '.join(problems)}. "
        "They belong to another model or were altered; restore them, or train again"
    )


def _prefix(plugin: str | None) -> str:
    return f"{plugin}: " if plugin else ""


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def stored_shapes(path: Path, *, plugin: str | None = None) -> dict[str, tuple[int, ...]]:
    """Return ``{key: shape}`` of a safetensors file, reading its header only.

    :raises BadInputError: naming the file when it is truncated, corrupt or not safetensors.
    """
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            return {key: tuple(handle.get_slice(key).get_shape()) for key in handle.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise BadInputError(
            f"{_prefix(plugin)}weight file {path} is truncated or corrupt ({_first_line(exc)}); "
            "restore it from a backup or train again"
        ) from None


def check_weight_files(
    directory: str | Path,
    *,
    require: bool = False,
    network: Callable[[], Any] | None = None,
    plugin: str | None = None,
) -> WeightFiles:
    """Check the weight files of ``directory`` before a model is built from it; return each file's shapes.

    :param require: the directory must hold ``*.safetensors`` weights; the error for one without
        names the pickle files (``*.bin``) it holds instead, which are never loaded.
    :param network: builds the network the directory's ``config.json`` describes (for instance
        ``lambda: AutoModelForSequenceClassification.from_config(config)``). It is called on torch's
        ``meta`` device, allocating nothing, and refused when its parameters hold more than twice the
        files' values plus :data:`SIZE_ALLOWANCE`.
    :param plugin: the plugin's name, put first in messages (``"bert: ..."``).
    :returns: ``{file: {key: shape}}`` for every safetensors file, in name order; empty when there are none.
    :raises BadInputError: naming the file that is truncated or corrupt, the directory without
        safetensors weights, or the ``config.json`` that describes a far larger network.
    """
    directory = Path(directory)
    files = {path: stored_shapes(path, plugin=plugin) for path in sorted(directory.glob("*.safetensors"))}
    if require and not files:
        pickled = ", ".join(sorted(path.name for path in directory.glob("*.bin")))
        found = f" (it has {pickled}: pickle files are never loaded)" if pickled else ""
        raise BadInputError(
            f"{_prefix(plugin)}{directory} holds no model.safetensors{found}; save the model with "
            "save_pretrained(directory, safe_serialization=True)"
        )
    if network is not None:
        import torch

        stored = sum(math.prod(shape) for shapes in files.values() for shape in shapes.values())
        with torch.device("meta"):
            needed = sum(parameter.numel() for parameter in network().parameters())
        if needed > 2 * stored + SIZE_ALLOWANCE:
            raise BadInputError(
                f"{_prefix(plugin)}{directory / 'config.json'} describes a network of {needed} values but its "
                f"weights hold only {stored}; the config was altered or belongs to other weights"
            )
    return files


def check_loading_info(
    info: Mapping[str, Any],
    *,
    source: object,
    subject: str,
    may_differ: Callable[[str], bool] | None = None,
    unexpected_ok: bool = False,
    plugin: str | None = None,
) -> None:
    """Raise for the keys transformers' ``from_pretrained(..., output_loading_info=True)`` could not load.

    :param info: the loading info: ``missing_keys``, ``unexpected_keys``, ``mismatched_keys``
        (``(key, stored shape, model shape)``) and ``error_msgs``.
    :param source: the directory or hub id the weights came from, for the message.
    :param subject: what the weights should fit, for the message (``"the ViT its config.json describes"``).
    :param may_differ: keys that may be missing or reshaped (a classifier head the caller replaces).
    :param unexpected_ok: keys of the files the model does not use are ignored (a hub checkpoint's
        other heads); ``False`` (a model the plugin saved itself) makes them an error too.
    :param plugin: the plugin's name, put first in the message.
    :raises BadInputError: naming the missing, unexpected and reshaped keys and ``source``.
    """
    differs = may_differ or (lambda key: False)
    missing = [key for key in info["missing_keys"] if not differs(key)]
    unexpected = [] if unexpected_ok else list(info["unexpected_keys"])
    reshaped = [reshaped_key(key, stored, built) for key, stored, built in info["mismatched_keys"] if not differs(key)]
    problems = [
        f"{label}: {listed_keys(keys)}"
        for label, keys in (("missing keys", missing), ("unexpected keys", unexpected), ("reshaped keys", reshaped))
        if keys
    ]
    problems += [str(message).splitlines()[0] for message in info.get("error_msgs") or []]
    if problems:
        raise weights_mismatch(source, subject, problems, plugin=plugin)


def strict_from_pretrained(
    model_class: Any,
    source: str,
    *,
    config: Any,
    subject: str,
    may_differ: Callable[[str], bool] | None = None,
    unexpected_ok: bool = False,
    plugin: str | None = None,
) -> Any:
    """Return ``model_class.from_pretrained(source, config=config)`` loaded from safetensors, every key accounted for.

    transformers' own load report is silenced: it would repeat, in a table, what the error says.
    The keyword arguments are those of :func:`check_loading_info`.

    :raises BadInputError: when a key is missing, unexpected or reshaped (see :func:`check_loading_info`).
    """
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        module, info = model_class.from_pretrained(
            source, config=config, use_safetensors=True, output_loading_info=True, ignore_mismatched_sizes=True
        )
    finally:
        hf_logging.set_verbosity(verbosity)
    check_loading_info(
        info, source=source, subject=subject, may_differ=may_differ, unexpected_ok=unexpected_ok, plugin=plugin
    )
    return module
