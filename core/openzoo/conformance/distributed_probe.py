"""One rank of the two-process ``torch.distributed`` check.

Run as ``python -m openzoo.conformance.distributed_probe RANK WORLD PORT BACKEND DEVICE``:
joins a process group over TCP on localhost, all-reduces a tensor of ones on
``DEVICE`` and prints ``ok <sum>``; any error is printed and exits 1.
"""

from __future__ import annotations

import sys
from datetime import timedelta


def main(argv: list[str] | None = None) -> int:
    rank, world, port, backend, device = (sys.argv[1:] if argv is None else argv)[:5]
    import torch
    import torch.distributed as dist

    if device.startswith("cuda"):
        device = f"cuda:{int(rank) % max(1, torch.cuda.device_count())}"
        torch.cuda.set_device(device)
    dist.init_process_group(
        backend=backend,
        init_method=f"tcp://127.0.0.1:{port}",
        rank=int(rank),
        world_size=int(world),
        timeout=timedelta(seconds=60),
    )
    try:
        tensor = torch.ones(3, device=device)
        dist.all_reduce(tensor)
        print(f"ok {tensor.sum().item():g}")
    finally:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
