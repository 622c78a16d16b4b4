"""Load GPT-2 weights and tokenizers from directories and hub ids, with errors a user can act on.

Used by :meth:`GPTModel.load <openzoo_gpt.model.GPTModel.load>` (a run's model
directory) and by ``--from-pretrained`` (any GPT-2 compatible directory or hub id).
Weights are read only from safetensors (``use_safetensors=True``: a ``pytorch_model.bin``
is a pickle and is refused), and loading is strict: transformers alone would initialise
any weight a checkpoint lacks and predict with it, so every missing or reshaped key
(and, for a run's own model, every unexpected one) is an error naming the keys. Before
anything is built, the network ``config.json`` describes is sized on torch's ``meta``
device against the weight files, so a crafted config cannot allocate gigabytes.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from transformers import AutoConfig, AutoTokenizer, GPT2LMHeadModel, PreTrainedTokenizerBase
from transformers.utils import logging as hf_logging

from openzoo import BadInputError, quiet_transformers
from openzoo_gpt.tokenizer import ensure_padding

__all__ = ["load_gpt2"]

#: Files of which a saved tokenizer has at least one.
_TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "tokenizer_config.json")
#: A network may hold at most twice the values of its weight files plus this many before loading refuses to
#: build it: differences that small are reported key by key, larger ones mean an altered config.json.
SIZE_ALLOWANCE = 2**24
#: How many keys a message lists before "and N more".
_SHOWN = 8


def _describe(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def load_gpt2(
    source: str | os.PathLike[str], *, own_model: bool = False
) -> tuple[GPT2LMHeadModel, PreTrainedTokenizerBase]:
    """Return the GPT-2 language model and tokenizer stored at ``source``.

    :param source: a local directory written by ``save_pretrained`` (model and tokenizer)
        or a hub id, resolved by transformers (offline unless the hub is reachable).
    :param own_model: ``source`` is a model this plugin saved: weights it does not use are an
        error too (a hub checkpoint may carry extra buffers, which are ignored).
    :raises BadInputError: when ``source`` does not exist, is not a GPT-2 checkpoint, has no
        safetensors weights, weights that do not match its config, or no tokenizer.
    """
    name = os.path.expanduser(os.fspath(source))
    local = Path(name)
    # A hub id is "name" or "owner/name"; anything else that does not exist is a missing directory.
    looks_local = local.exists() or name.startswith((".", "/")) or name.count("/") > 1 or "\\" in name
    if looks_local and not local.is_dir():
        raise BadInputError(f"{name}: no such directory; pass a directory written by save_pretrained or a hub id")
    if local.is_dir() and not (local / "config.json").is_file():
        raise BadInputError(f"{name}: no config.json; this is not a saved transformers model directory")
    try:
        config = AutoConfig.from_pretrained(name)
    except (OSError, ValueError) as exc:
        raise BadInputError(
            f"cannot load a model config from {name!r}: {_describe(exc)}. Pass a local directory written by "
            "save_pretrained, or a hub id that is cached or reachable"
        ) from exc
    if config.model_type != "gpt2":
        raise BadInputError(
            f"{name!r} holds a {config.model_type!r} model; the gpt model loads GPT-2 checkpoints (model_type 'gpt2')"
        )
    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
    except (OSError, ValueError, TypeError) as exc:
        raise BadInputError(
            f"cannot load a tokenizer from {name!r}: {_describe(exc)}. Save the tokenizer next to the weights "
            "(tokenizer.save_pretrained(directory))"
        ) from exc
    missing_files = local.is_dir() and not any((local / f).is_file() for f in _TOKENIZER_FILES)
    if missing_files or len(tokenizer) < 2:  # transformers 5 builds an empty tokenizer when files are missing
        raise BadInputError(
            f"{name!r} has no tokenizer files ({', '.join(_TOKENIZER_FILES)}); save the tokenizer next to the "
            "weights with tokenizer.save_pretrained(directory)"
        )
    if local.is_dir():
        _check_weight_files(local, config)
    try:
        with quiet_transformers():
            module = _from_pretrained_strict(name, config, own_model=own_model)
    except BadInputError:
        raise
    except (OSError, ValueError) as exc:
        raise BadInputError(f"cannot load GPT-2 weights from {name!r}: {_describe(exc)}") from exc
    tokenizer = ensure_padding(tokenizer)
    if len(tokenizer) > module.config.vocab_size:
        raise BadInputError(
            f"{name!r}: the tokenizer has {len(tokenizer)} tokens but the model's embedding only "
            f"{module.config.vocab_size}; the tokenizer does not belong to these weights"
        )
    return module, tokenizer


def _listed(keys: list[str]) -> str:
    ordered = sorted(keys)
    return ", ".join(ordered[:_SHOWN]) + (f" and {len(ordered) - _SHOWN} more" if len(ordered) > _SHOWN else "")


def _check_weight_files(directory: Path, config: object) -> None:
    """Refuse a directory without whole safetensors weights, or whose config describes a far larger network."""
    from safetensors import SafetensorError, safe_open

    files = sorted(directory.glob("*.safetensors"))
    if not files:
        pickled = ", ".join(p.name for p in directory.glob("*.bin"))
        found = f" (it has {pickled}: pickle files are never loaded)" if pickled else ""
        raise BadInputError(
            f"{directory} holds no model.safetensors{found}; save the model with "
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
            raise BadInputError(f"weight file {path} is truncated or corrupt ({_describe(exc)}); restore it") from None
    with torch.device("meta"):
        needed = sum(p.numel() for p in GPT2LMHeadModel(config).parameters())
    if needed > 2 * stored + SIZE_ALLOWANCE:
        raise BadInputError(
            f"{directory / 'config.json'} describes a network of {needed} values but its weights hold only "
            f"{stored}; the config was altered or belongs to other weights"
        )


def _from_pretrained_strict(name: str, config: object, *, own_model: bool) -> GPT2LMHeadModel:
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # its load report would repeat, in a table, what the error below says
    try:
        module, info = GPT2LMHeadModel.from_pretrained(
            name, config=config, use_safetensors=True, output_loading_info=True, ignore_mismatched_sizes=True
        )
    finally:
        hf_logging.set_verbosity(verbosity)
    reshaped = [f"{key} (file {list(stored)}, model {list(built)})" for key, stored, built in info["mismatched_keys"]]
    problems = [
        f"{label}: {_listed(list(keys))}"
        for label, keys in (
            ("missing keys", info["missing_keys"]),
            ("unexpected keys", info["unexpected_keys"] if own_model else ()),
            ("reshaped keys", reshaped),
        )
        if keys
    ]
    problems += [str(message).splitlines()[0] for message in info.get("error_msgs") or []]
    if problems:
        raise BadInputError(
            f"the weights in {name} do not match the GPT-2 its config.json describes ({'; '.join(problems)}); "
            "they were altered or belong to another model. Restore them or train again"
        )
    return module
