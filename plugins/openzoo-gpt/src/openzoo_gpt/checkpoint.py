"""Load GPT-2 weights and tokenizers from directories and hub ids, with errors a user can act on.

Used by :meth:`GPTModel.load <openzoo_gpt.model.GPTModel.load>` (a run's model
directory) and by ``--from-pretrained`` (any GPT-2 compatible directory or hub id).
Weights are read only from safetensors (``use_safetensors=True``: a ``pytorch_model.bin``
is a pickle and is refused), and loading is strict (core's :func:`openzoo.check_weight_files`
and :func:`openzoo.strict_from_pretrained`): transformers alone would initialise any weight a
checkpoint lacks and predict with it, so every missing or reshaped key (and, for a run's own
model, every unexpected one) is an error naming the keys. Before anything is built, the network
``config.json`` describes is sized on torch's ``meta`` device against the weight files, so a
crafted config cannot allocate gigabytes.
"""

from __future__ import annotations

import os
from pathlib import Path

from transformers import AutoConfig, AutoTokenizer, GPT2LMHeadModel, PreTrainedTokenizerBase

from openzoo import BadInputError, check_weight_files, quiet_transformers, strict_from_pretrained
from openzoo_gpt.tokenizer import ensure_padding

__all__ = ["load_gpt2"]

#: Files of which a saved tokenizer has at least one.
_TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "tokenizer_config.json")


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
    # transformers 5 builds a tokenizer of only the special tokens when the vocabulary file is missing
    if missing_files or len(tokenizer) <= len(tokenizer.all_special_tokens):
        raise BadInputError(
            f"{name!r} has no tokenizer files ({', '.join(_TOKENIZER_FILES)}); save the tokenizer next to the "
            "weights with tokenizer.save_pretrained(directory)"
        )
    if local.is_dir():
        check_weight_files(local, require=True, network=lambda: GPT2LMHeadModel(config))
    try:
        with quiet_transformers():
            module = strict_from_pretrained(
                GPT2LMHeadModel,
                name,
                config=config,
                subject="the GPT-2 its config.json describes",
                unexpected_ok=not own_model,
            )
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
