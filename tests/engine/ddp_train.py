"""Train ``ozmlp.tiny`` for the DDP test: ``torchrun --nproc_per_node=N ddp_train.py OUT SETTINGS_JSON``.

``SETTINGS_JSON`` holds the keyword arguments of :func:`openzoo.engine.api.train` (``test_distributed.py``
passes the single-process run's settings with the per-process batch size).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "fixture"))

import torch

from openzoo.engine import api
from openzoo.plugins import PluginSource, load_registry


def main(out: str, settings: dict) -> None:
    torch.set_num_threads(1)
    source = PluginSource("ozengine", "ozengine", "0.1.0", lambda: importlib.import_module("ozengine"))
    registry = load_registry(sources=[source], strict=True)
    api.train("ozmlp.tiny", "toy-images", out=out, quiet=True, registry=registry, **settings)


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
