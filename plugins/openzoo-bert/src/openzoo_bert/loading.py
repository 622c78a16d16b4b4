"""Loading sequence classifiers strictly: safetensors only, sizes bounded by the files, every key accounted for.

transformers' ``from_pretrained`` initialises any weight a checkpoint lacks and only
logs it, so a damaged or foreign checkpoint would load and classify at random. The
checks are core's (:func:`openzoo.check_weight_files`, :func:`openzoo.strict_from_pretrained`):

- a local directory must hold ``*.safetensors`` weights (a ``pytorch_model.bin`` is a
  pickle and is never loaded), each of them whole;
- the network ``config.json`` describes is first built on torch's ``meta`` device and
  may hold at most about twice the values of the weight files, so a crafted config
  (a huge ``vocab_size``, say) cannot make the loader allocate gigabytes;
- every missing, unexpected or reshaped key is an error naming the keys and the
  directory -- except, when ``--from-pretrained`` starts a new classifier, the head
  (``classifier.*``) and the pooler, which encoder checkpoints may lack.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openzoo import BadInputError, check_weight_files, strict_from_pretrained
from transformers import AutoModelForSequenceClassification

__all__ = ["from_pretrained_strict"]


def _is_new_head(key: str) -> bool:
    return key.startswith(("classifier.", "pooler.")) or ".pooler." in key


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
        check_weight_files(
            directory,
            require=True,
            network=lambda: AutoModelForSequenceClassification.from_config(config),
            plugin="bert",
        )
    return strict_from_pretrained(
        AutoModelForSequenceClassification,
        source,
        config=config,
        subject="the model its config.json describes",
        may_differ=_is_new_head if new_head else None,
        unexpected_ok=new_head,
        plugin="bert",
    )
