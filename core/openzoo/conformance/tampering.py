"""Damaging a saved model directory the way a disk, a user or a wrong copy could, for strict-loading tests.

A plugin's test suite saves a tiny model, damages it with one of these, and asserts that
loading refuses it with a message naming the file or the keys
(``from openzoo.conformance.tampering import rewrite_weights``)::

    def test_a_missing_weight_is_an_error_naming_it(saved):
        rewrite_weights(saved, lambda tensors: tensors.pop("classifier.bias"))
        with pytest.raises(BadInputError, match=r"missing keys: classifier.bias"):
            MyModel.load(saved)

Every helper takes the model directory (or, where it says so, the weight file itself) and
imports torch and safetensors only when called.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any, NoReturn

__all__ = [
    "WEIGHTS",
    "edit_config",
    "must_not_run",
    "replace_weights_with_pickle",
    "rewrite_weights",
    "truncate_weights",
]

#: The weight file a saved model directory holds.
WEIGHTS = "model.safetensors"


def _weights(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    return path / WEIGHTS if path.is_dir() else path


def rewrite_weights(path: str | os.PathLike[str], change: Callable[[MutableMapping[str, Any]], object]) -> Path:
    """Load the tensors of ``path`` (a model directory or a safetensors file), ``change`` them in place, save them.

    :param change: called with the ``{key: tensor}`` dict; pop a key to drop a weight, set one to
        rename or reshape it. What it returns is ignored, so a lambda may call ``dict.pop``.
    :returns: the rewritten safetensors file.
    """
    from safetensors.torch import load_file, save_file

    weights = _weights(path)
    tensors = load_file(str(weights))
    change(tensors)
    save_file(tensors, str(weights), metadata={"format": "pt"})
    return weights


def truncate_weights(path: str | os.PathLike[str], nbytes: int = 64) -> Path:
    """Cut the last ``nbytes`` bytes off the weight file of ``path`` (a directory or the file); return the file."""
    weights = _weights(path)
    weights.write_bytes(weights.read_bytes()[:-nbytes])
    return weights


def replace_weights_with_pickle(directory: str | os.PathLike[str]) -> Path:
    """Save the directory's weights as a pickled ``pytorch_model.bin`` and delete ``model.safetensors``.

    :returns: the pickle file, which a strict loader must refuse to read.
    """
    import torch
    from safetensors.torch import load_file

    weights = Path(directory) / WEIGHTS
    pickled = Path(directory) / "pytorch_model.bin"
    torch.save(load_file(str(weights)), pickled)
    weights.unlink()
    return pickled


def edit_config(directory: str | os.PathLike[str], **changes: Any) -> dict[str, Any]:
    """Set ``changes`` in the directory's ``config.json`` (``vocab_size=10**9``, say); return the new config."""
    path = Path(directory) / "config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config.update(changes)
    path.write_text(json.dumps(config), encoding="utf-8")
    return config


def must_not_run(what: str) -> Callable[..., NoReturn]:
    """Return a stand-in that fails the test when called, for a function loading must not reach.

    For instance ``monkeypatch.setattr(GPT2LMHeadModel, "from_pretrained",
    must_not_run("from_pretrained must not run for a config larger than its weights"))``.
    """

    def never(*args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError(what)

    return never
