"""Loading ViT weights strictly: safetensors only, sizes bounded by the files, every key accounted for.

transformers' ``from_pretrained`` initialises any weight a checkpoint lacks and only
logs it, so a damaged or foreign checkpoint would load and predict at random. The
checks are core's (:func:`openzoo.check_weight_files`, :func:`openzoo.strict_from_pretrained`):

- a local directory must hold ``*.safetensors`` weights (a ``pytorch_model.bin`` is a
  pickle and is never loaded), each of them whole;
- the network ``config.json`` describes is first built on torch's ``meta`` device and
  may hold at most about twice the values of the weight files, so a crafted config
  cannot make the loader allocate gigabytes;
- every missing, unexpected or reshaped key is an error naming the keys and the
  directory, except the classifier head when ``--from-pretrained`` replaces it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openzoo import BadInputError, check_weight_files, strict_from_pretrained

__all__ = ["from_pretrained_strict"]


def _check_local(model_class: Any, directory: Path, config: Any) -> None:
    declared = json.loads((directory / "config.json").read_text("utf-8")).get("model_type")
    expected = model_class.config_class.model_type
    if declared != expected:
        raise BadInputError(f"vit: {directory} holds a {declared!r} model, not a ViT ({expected!r})")
    check_weight_files(directory, require=True, network=lambda: model_class(config), plugin="vit")


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
    hf_logging.set_verbosity_error()
    try:
        config, _ = model_class.config_class.from_pretrained(
            source, return_unused_kwargs=True, **(config_overrides or {})
        )
    finally:
        hf_logging.set_verbosity(verbosity)
    directory = Path(source).expanduser()
    if directory.is_dir():
        _check_local(model_class, directory, config)
    return strict_from_pretrained(
        model_class,
        source,
        config=config,
        subject="the ViT its config.json describes",
        may_differ=(lambda key: key.startswith(head)) if head else None,
        unexpected_ok=bool(head),
        plugin="vit",
    )
