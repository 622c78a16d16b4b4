"""The checkpoint directory of a recommender: three plain files, no pickle.

``model.safetensors``
    every tensor of the module: the weights and the training interactions
    (``seen.indptr``, ``seen.indices``) that ranking and ``predict`` exclude.
``config.json``
    ``{"model_type": "mf" | "ncf", "library": "openzoo-recsys", "format_version": 1,
    "config": {hyperparameters}, "num_users", "num_items", "rating_range", "feedback"}``.
``id_maps.json``
    ``{"users": [id, ...], "items": [id, ...]}``: the source ids in embedding-index order.

Each file is written to a temporary name in the directory and renamed into place.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, final

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from openzoo import BadInputError

__all__ = ["CONFIG_FILE", "FORMAT_VERSION", "ID_MAPS_FILE", "WEIGHTS_FILE", "Checkpoint", "read", "write"]

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
ID_MAPS_FILE = "id_maps.json"
FORMAT_VERSION = 1
LIBRARY = "openzoo-recsys"


@final
@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What a checkpoint directory holds, read back."""

    #: ``config.json`` as a dict.
    meta: Mapping[str, Any]
    #: The user ids in index order.
    users: list[str]
    #: The item ids in index order.
    items: list[str]
    #: Every tensor of ``model.safetensors`` by name.
    tensors: dict[str, torch.Tensor]


def write(
    directory: str | os.PathLike[str],
    meta: Mapping[str, Any],
    users: list[str],
    items: list[str],
    state: Mapping[str, torch.Tensor],
) -> None:
    """Write a checkpoint into ``directory`` (created when missing)."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    tensors = {name: tensor.detach().to("cpu").contiguous() for name, tensor in state.items()}
    full_meta = {"library": LIBRARY, "format_version": FORMAT_VERSION, **meta}
    _atomic(target / WEIGHTS_FILE, lambda path: save_file(tensors, str(path), metadata={"format": "pt"}))
    _atomic(target / CONFIG_FILE, lambda path: path.write_text(json.dumps(full_meta, indent=2) + "\n", "utf-8"))
    maps = json.dumps({"users": users, "items": items}, ensure_ascii=False)
    _atomic(target / ID_MAPS_FILE, lambda path: path.write_text(maps + "\n", "utf-8"))


def read(directory: str | os.PathLike[str]) -> Checkpoint:
    """Read a checkpoint directory written by :func:`write`.

    :raises BadInputError: when a file is missing or is not an openzoo-recsys checkpoint.
    """
    source = Path(directory).expanduser()  # '~/runs/x/model' as typed in a config file or --from-pretrained=
    if not source.is_dir():
        raise BadInputError(f"{source}: not a directory; pass the model directory a run saved (RUN/model)")
    missing = [name for name in (WEIGHTS_FILE, CONFIG_FILE, ID_MAPS_FILE) if not (source / name).is_file()]
    if missing:
        raise BadInputError(
            f"{source}: not an openzoo-recsys checkpoint, missing {', '.join(missing)}; "
            "pass the directory that Model.save wrote (RUN/model)"
        )
    meta = _read_json(source / CONFIG_FILE)
    if meta.get("library") != LIBRARY:
        raise BadInputError(f"{source / CONFIG_FILE}: written by {meta.get('library')!r}, not {LIBRARY!r}")
    if meta.get("format_version") != FORMAT_VERSION:
        raise BadInputError(
            f"{source / CONFIG_FILE}: checkpoint format {meta.get('format_version')!r} is not supported "
            f"(this openzoo-recsys reads format {FORMAT_VERSION}); upgrade openzoo-recsys"
        )
    maps = _read_json(source / ID_MAPS_FILE)
    if not isinstance(maps.get("users"), list) or not isinstance(maps.get("items"), list):
        raise BadInputError(f"{source / ID_MAPS_FILE}: expected lists 'users' and 'items'")
    for key, ids in (("num_users", maps["users"]), ("num_items", maps["items"])):
        if meta.get(key) != len(ids):
            raise BadInputError(
                f"{source / CONFIG_FILE}: {key} is {meta.get(key)!r} but {ID_MAPS_FILE} lists {len(ids)} ids; "
                "the files of this checkpoint do not belong together (restore them or train again)"
            )
    try:
        tensors = load_file(str(source / WEIGHTS_FILE))
    except (SafetensorError, OSError) as error:
        raise BadInputError(
            f"{source / WEIGHTS_FILE}: truncated or corrupt ({str(error).strip() or type(error).__name__}); "
            "restore it or train again"
        ) from None
    return Checkpoint(meta=meta, users=maps["users"], items=maps["items"], tensors=tensors)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadInputError(f"{path}: cannot read JSON ({error})") from None
    if not isinstance(data, dict):
        raise BadInputError(f"{path}: expected a JSON object")
    return data


def _atomic(path: Path, write_to: Any) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write_to(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
