"""Loading ViT weights strictly: safetensors only, sizes bounded by the files, every key accounted for.

transformers' ``from_pretrained`` initialises any weight a checkpoint lacks and only
logs it, so a damaged or foreign checkpoint would load and predict at random. Here:

- a local directory must hold ``*.safetensors`` weights (a ``pytorch_model.bin`` is a
  pickle and is never loaded);
- the network ``config.json`` describes is first built on torch's ``meta`` device and
  may hold at most about twice the values of the weight files (:data:`HEAD_ALLOWANCE`),
  so a crafted config cannot make the loader allocate gigabytes;
- every missing, unexpected or reshaped key is an error naming the keys and the
  directory, except the classifier head when ``--from-pretrained`` replaces it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch

from openzoo import BadInputError

__all__ = ["HEAD_ALLOWANCE", "from_pretrained_strict"]

#: Values a network may hold beyond twice its weight files before loading refuses to build it: room for
#: a replaced classifier head, and for differences small enough to be reported key by key.
HEAD_ALLOWANCE = 2**24
#: How many keys a message lists before "and N more".
_SHOWN = 8


def _listed(keys: Iterable[str]) -> str:
    ordered = sorted(keys)
    return ", ".join(ordered[:_SHOWN]) + (f" and {len(ordered) - _SHOWN} more" if len(ordered) > _SHOWN else "")


def _stored_values(files: list[Path]) -> int:
    from safetensors import SafetensorError, safe_open

    total = 0
    for path in files:
        try:
            with safe_open(str(path), framework="pt") as handle:
                for name in handle.keys():
                    count = 1
                    for size in handle.get_slice(name).get_shape():
                        count *= size
                    total += count
        except (SafetensorError, OSError) as exc:
            raise BadInputError(f"vit: weight file {path} is truncated or corrupt ({exc}); restore it") from None
    return total


def _check_local(model_class: Any, directory: Path, config: Any) -> None:
    files = sorted(directory.glob("*.safetensors"))
    if not files:
        pickled = [p.name for p in directory.glob("*.bin")]
        found = f" (it has {', '.join(pickled)}: pickle files are never loaded)" if pickled else ""
        raise BadInputError(
            f"vit: {directory} holds no model.safetensors{found}; save the model with "
            "save_pretrained(directory, safe_serialization=True)"
        )
    declared = json.loads((directory / "config.json").read_text("utf-8")).get("model_type")
    expected = model_class.config_class.model_type
    if declared != expected:
        raise BadInputError(f"vit: {directory} holds a {declared!r} model, not a ViT ({expected!r})")
    with torch.device("meta"):
        needed = sum(p.numel() for p in model_class(config).parameters())
    stored = _stored_values(files)
    if needed > 2 * stored + HEAD_ALLOWANCE:
        raise BadInputError(
            f"vit: {directory / 'config.json'} describes a network of {needed} values but its weights hold only "
            f"{stored}; the config was altered or belongs to other weights"
        )


def from_pretrained_strict(
    model_class: Any, source: str, *, head: str | None = None, config_overrides: dict[str, Any] | None = None
) -> Any:
    """Load ``model_class`` from ``source`` (a local directory or hub id) and return the module.

    :param head: key prefix of a classifier head the caller replaces (``--from-pretrained``
        with other classes): its keys may be missing or reshaped, and unexpected keys of
        other heads are ignored. ``None`` (a run's own model) accepts no difference at all.
    :param config_overrides: config attributes to change (the head's labels).
    :raises BadInputError: for a directory without safetensors weights, a config larger than
        its weights, or weights whose keys do not match the model.
    """
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # its load report would repeat, in a table, what the error below says
    try:
        config, _ = model_class.config_class.from_pretrained(
            source, return_unused_kwargs=True, **(config_overrides or {})
        )
        directory = Path(source).expanduser()
        if directory.is_dir():
            _check_local(model_class, directory, config)
        module, info = model_class.from_pretrained(
            source, config=config, use_safetensors=True, output_loading_info=True, ignore_mismatched_sizes=True
        )
    finally:
        hf_logging.set_verbosity(verbosity)
    replaced = (lambda key: key.startswith(head)) if head else (lambda key: False)
    missing = [k for k in info["missing_keys"] if not replaced(k)]
    reshaped = [f"{k} (file {list(a)}, model {list(b)})" for k, a, b in info["mismatched_keys"] if not replaced(k)]
    unexpected = [] if head else list(info["unexpected_keys"])
    problems = [
        f"{label}: {_listed(keys)}"
        for label, keys in (("missing keys", missing), ("unexpected keys", unexpected), ("reshaped keys", reshaped))
        if keys
    ]
    problems += [str(message).splitlines()[0] for message in info.get("error_msgs") or []]
    if problems:
        raise BadInputError(
            f"vit: the weights in {source} do not match the ViT its config.json describes ({'; '.join(problems)}); "
            "they were altered or belong to another model. Restore them or train again"
        )
    return module
