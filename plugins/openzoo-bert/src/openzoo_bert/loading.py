"""Loading sequence classifiers strictly: safetensors only, sizes bounded by the files, every key accounted for.

transformers' ``from_pretrained`` initialises any weight a checkpoint lacks and only
logs it, so a damaged or foreign checkpoint would load and classify at random. Here:

- a local directory must hold ``*.safetensors`` weights (a ``pytorch_model.bin`` is a
  pickle and is never loaded);
- the network ``config.json`` describes is first built on torch's ``meta`` device and
  may hold at most about twice the values of the weight files (:data:`SIZE_ALLOWANCE`),
  so a crafted config (a huge ``vocab_size``, say) cannot make the loader allocate gigabytes;
- every missing, unexpected or reshaped key is an error naming the keys and the
  directory -- except, when ``--from-pretrained`` starts a new classifier, the head
  (``classifier.*``) and the pooler, which encoder checkpoints may lack.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from openzoo import BadInputError
from transformers import AutoModelForSequenceClassification
from transformers.utils import logging as hf_logging

__all__ = ["SIZE_ALLOWANCE", "from_pretrained_strict"]

#: Values a network may hold beyond twice its weight files before loading refuses to build it: room for a new
#: head, and for differences small enough to be reported key by key.
SIZE_ALLOWANCE = 2**24
#: How many keys a message lists before "and N more".
_SHOWN = 8


def _listed(keys: Iterable[str]) -> str:
    ordered = sorted(keys)
    return ", ".join(ordered[:_SHOWN]) + (f" and {len(ordered) - _SHOWN} more" if len(ordered) > _SHOWN else "")


def _is_new_head(key: str) -> bool:
    return key.startswith(("classifier.", "pooler.")) or ".pooler." in key


def _check_weight_files(directory: Path, config: Any) -> None:
    from safetensors import SafetensorError, safe_open

    files = sorted(directory.glob("*.safetensors"))
    if not files:
        pickled = ", ".join(p.name for p in directory.glob("*.bin"))
        found = f" (it has {pickled}: pickle files are never loaded)" if pickled else ""
        raise BadInputError(
            f"bert: {directory} holds no model.safetensors{found}; save the model with "
            "save_pretrained(directory, safe_serialization=True)"
        )
    stored = 0
    for path in files:
        try:
            with safe_open(str(path), framework="pt") as handle:
                for key in handle.keys():
                    count = 1
                    for size in handle.get_slice(key).get_shape():
                        count *= size
                    stored += count
        except (SafetensorError, OSError) as exc:
            raise BadInputError(f"bert: weight file {path} is truncated or corrupt ({exc}); restore it") from None
    with torch.device("meta"):
        needed = sum(p.numel() for p in AutoModelForSequenceClassification.from_config(config).parameters())
    if needed > 2 * stored + SIZE_ALLOWANCE:
        raise BadInputError(
            f"bert: {directory / 'config.json'} describes a network of {needed} values but its weights hold only "
            f"{stored}; the config was altered or belongs to other weights"
        )


def from_pretrained_strict(source: str, config: Any, *, new_head: bool) -> Any:
    """Load a sequence classifier for ``config`` from ``source`` (a local directory or hub id).

    :param config: the configuration to build (the checkpoint's, with the caller's head changes).
    :param new_head: the caller starts a new classifier (``--from-pretrained``): the head and
        pooler may be missing or reshaped and unused weights of other heads are ignored.
        ``False`` (a run's own model) accepts no difference at all.
    :raises BadInputError: for a directory without safetensors weights, a config far larger than
        its weights, or weights whose keys do not match the model.
    """
    directory = Path(source).expanduser()
    if directory.is_dir():
        declared = json.loads((directory / "config.json").read_text("utf-8")).get("model_type")
        if declared != config.model_type:
            raise BadInputError(f"bert: {directory} holds a {declared!r} model, not {config.model_type!r}")
        _check_weight_files(directory, config)
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # its load report would repeat, in a table, what the error below says
    try:
        module, info = AutoModelForSequenceClassification.from_pretrained(
            source, config=config, use_safetensors=True, output_loading_info=True, ignore_mismatched_sizes=True
        )
    finally:
        hf_logging.set_verbosity(verbosity)
    allowed = _is_new_head if new_head else (lambda key: False)
    missing = [k for k in info["missing_keys"] if not allowed(k)]
    reshaped = [f"{k} (file {list(a)}, model {list(b)})" for k, a, b in info["mismatched_keys"] if not allowed(k)]
    unexpected = [] if new_head else list(info["unexpected_keys"])
    problems = [
        f"{label}: {_listed(keys)}"
        for label, keys in (("missing keys", missing), ("unexpected keys", unexpected), ("reshaped keys", reshaped))
        if keys
    ]
    problems += [str(message).splitlines()[0] for message in info.get("error_msgs") or []]
    if problems:
        raise BadInputError(
            f"bert: the weights in {source} do not match the model its config.json describes ({'; '.join(problems)}); "
            "they were altered or belong to another model. Restore them or train again"
        )
    return module
