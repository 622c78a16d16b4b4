"""Distributed data-parallel training under ``torchrun``.

The engine runs the same code on one process and on many. Launched by
``torchrun`` (which sets ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``,
``MASTER_ADDR`` and ``MASTER_PORT``), it initialises the default process group
with the device backend's ``distributed_backend`` (``gloo`` on CPU, ``nccl`` on
CUDA), wraps the module in :class:`~torch.nn.parallel.DistributedDataParallel`,
gives each rank its shard of every epoch (same seed logic as one process),
reduces metrics across ranks (torchmetrics does this once the group exists),
and lets rank 0 alone write the run directory.

One machine, N processes (``--batch-size`` is per process, so the global batch
is N times it)::

    torchrun --standalone --nproc_per_node=4 -m openzoo train vit --dataset digits --device cuda

Several machines: run the same command on every node, with the node count, this
node's rank and the address of node 0 (any free port)::

    # on node 0 (address 10.0.0.1)                          # on node 1
    torchrun --nnodes=2 --node-rank=0 --nproc_per_node=8 \\  torchrun --nnodes=2 --node-rank=1 --nproc_per_node=8 \\
      --master-addr=10.0.0.1 --master-port=29500 \\            --master-addr=10.0.0.1 --master-port=29500 \\
      -m openzoo train vit --dataset digits \\             -m openzoo train vit --dataset digits \\
      --out /shared/runs/vit-digits                            --out /shared/runs/vit-digits

(or ``--rdzv-backend=c10d --rdzv-endpoint=HOST:PORT`` for elastic rendezvous).
Give every node the same ``--out`` on a shared file system: rank 0 writes it and
``--resume`` reads it on every rank. Each rank loads the dataset itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, final

import torch
import torch.distributed as dist

from openzoo.errors import BadInputError

__all__ = ["Distributed", "setup_distributed"]


@final
@dataclass(frozen=True, slots=True)
class Distributed:
    """Where this process stands in a (possibly single-process) run."""

    #: Global rank of this process (0 in a single-process run).
    rank: int = 0
    #: Rank on this machine: the index of the device this process uses.
    local_rank: int = 0
    #: Number of processes in the run.
    world_size: int = 1
    #: True when this call initialised the process group (and must destroy it).
    owns_group: bool = False

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """True on the process that writes files and prints (rank 0)."""
        return self.rank == 0

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()

    def broadcast_object(self, obj: Any) -> Any:
        """Return rank 0's ``obj`` on every rank."""
        if not self.enabled:
            return obj
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def any_true(self, flag: bool, device: torch.device) -> bool:
        """Return whether ``flag`` is true on any rank (a collective: every rank must call it)."""
        if not self.enabled:
            return flag
        tensor = torch.tensor([1 if flag else 0], device=device)
        dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
        return bool(tensor.item())

    def all_sum(self, values: list[float], device: torch.device) -> list[float]:
        """Return the element-wise sum of ``values`` over all ranks."""
        if not self.enabled:
            return values
        tensor = torch.tensor(values, dtype=torch.float64, device=device)
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor.tolist()

    def shutdown(self) -> None:
        """Destroy the process group if this run created it."""
        if self.owns_group and dist.is_initialized():
            dist.destroy_process_group()


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise BadInputError(f"environment variable {name}={value!r} must be an integer (set by torchrun)") from None


def setup_distributed(backend_name: str) -> Distributed:
    """Join the process group ``torchrun`` describes in the environment; a no-op for one process.

    :param backend_name: the ``torch.distributed`` backend (the device backend's ``distributed_backend``).
    :raises BadInputError: when the environment asks for several processes but ``torch.distributed``
        is unavailable.
    """
    world_size = _env_int("WORLD_SIZE", 1)
    if world_size <= 1:
        return Distributed()
    rank = _env_int("RANK", 0)
    local_rank = _env_int("LOCAL_RANK", 0)
    if dist.is_initialized():
        return Distributed(rank=dist.get_rank(), local_rank=local_rank, world_size=dist.get_world_size())
    if not dist.is_available():
        raise BadInputError("WORLD_SIZE > 1 but this torch build has no torch.distributed support")
    dist.init_process_group(backend=backend_name, init_method="env://", rank=rank, world_size=world_size)
    return Distributed(rank=rank, local_rank=local_rank, world_size=world_size, owns_group=True)


def wrap_module(module: torch.nn.Module, env: Distributed, device: torch.device) -> torch.nn.Module:
    """Return ``module`` wrapped in DDP when the run has several processes, else ``module`` itself."""
    if not env.enabled:
        return module
    from torch.nn.parallel import DistributedDataParallel

    device_ids = [device.index] if device.type == "cuda" and device.index is not None else None
    return DistributedDataParallel(module, device_ids=device_ids)
