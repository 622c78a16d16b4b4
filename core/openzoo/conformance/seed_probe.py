"""Build a model in a fresh interpreter and print a digest of every tensor of its state dict.

Run as ``python -m openzoo.conformance.seed_probe`` with a JSON request on stdin:
``{"factory": "pkg.mod:Class", "loader": "pkg.mod:load", "config": {...}, "seed": 0}``.
Prints one JSON object ``{tensor name: sha256 of its bytes}``. The seed check compares
it with a build in the suite's own process: same seed, another process (another hash
seed, another clock, another PID), the same weights.
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any

__all__ = ["build_digests", "other_hash_seed", "tensor_digests"]


def other_hash_seed() -> str:
    """Return a ``PYTHONHASHSEED`` other than this process's, for a fresh interpreter that must differ from it."""
    import os

    current = os.environ.get("PYTHONHASHSEED", "")
    return str((int(current) + 1) % 4294967296) if current.isdigit() else "1"  # unset or "random": any fixed one


def tensor_digests(state_dict: Any) -> dict[str, str]:
    """Return ``{name: sha256}`` over each tensor's dtype, shape and bytes."""
    import torch

    out = {}
    for name, tensor in state_dict.items():
        flat = tensor.detach().cpu().contiguous().reshape(-1)
        data = flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""
        out[name] = hashlib.sha256(f"{tensor.dtype}{tuple(tensor.shape)}".encode() + data).hexdigest()
    return out


def build_digests(request: dict[str, Any]) -> dict[str, str]:
    """Build the model the request describes, seeded, and return its tensor digests."""
    import torch

    from openzoo.plugins import resolve_reference

    factory = resolve_reference(request["factory"])
    dataset = resolve_reference(request["loader"])(**request.get("options", {}))
    torch.manual_seed(int(request["seed"]))
    model = factory.create(config=dict(request["config"]), dataset=dataset)
    return tensor_digests(model.module.state_dict())


def main() -> None:
    print(json.dumps(build_digests(json.loads(sys.stdin.read()))))


if __name__ == "__main__":
    main()
