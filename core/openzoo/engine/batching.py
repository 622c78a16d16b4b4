"""Deterministic, resumable, rank-aware batches of example indices.

The order of an epoch depends only on ``(seed, epoch)``, the same on every run
and every process (:class:`torch.utils.data.DistributedSampler` semantics: a
permutation drawn from a generator seeded with ``seed + epoch``, padded to a
multiple of the world size, every ``world_size``-th index for each rank). So a
resumed run rebuilds the epoch's batches and skips the ones it had consumed,
and N processes with batch ``B`` see exactly the examples one process with
batch ``N*B`` sees, step for step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch.utils.data import DataLoader, DistributedSampler

__all__ = [
    "BatchPlan",
    "epoch_batches",
    "evaluation_batches",
    "make_loader",
    "module_inputs",
    "to_device",
]


def epoch_batches(
    num_examples: int, batch_size: int, *, seed: int, epoch: int, rank: int = 0, world_size: int = 1
) -> list[list[int]]:
    """Return this rank's batches of shuffled example indices for ``epoch``."""
    sampler = DistributedSampler(
        range(num_examples), num_replicas=world_size, rank=rank, shuffle=True, seed=seed, drop_last=False
    )
    sampler.set_epoch(epoch)
    indices = list(sampler)
    return [indices[i : i + batch_size] for i in range(0, len(indices), batch_size)]


def evaluation_batches(num_examples: int, batch_size: int, *, rank: int = 0, world_size: int = 1) -> list[list[int]]:
    """Return this rank's batches for evaluation: in order, sharded without padding or duplicates."""
    indices = list(range(rank, num_examples, world_size))
    return [indices[i : i + batch_size] for i in range(0, len(indices), batch_size)]


class BatchPlan:
    """A batch sampler whose batches can be replaced between passes (one DataLoader, and its workers, per run).

    The DataLoader draws batches from it in the training process, so giving it the next
    epoch's batches before iterating again is all persistent workers need.
    """

    __slots__ = ("batches",)

    def __init__(self, batches: Sequence[Sequence[int]] = ()) -> None:
        #: The batches of example indices the next pass yields, in order.
        self.batches = batches

    def __iter__(self) -> Iterator[Sequence[int]]:
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)


def make_loader(
    examples: Sequence[Any],
    batches: Sequence[Sequence[int]] | BatchPlan,
    collate: Callable[[Sequence[Any]], dict[str, Any]],
    *,
    workers: int = 0,
    pin_memory: bool = False,
    persistent: bool = False,
) -> DataLoader:
    """Return a DataLoader yielding ``collate`` of each batch in ``batches``.

    It owns a private generator, so creating it never draws from the global torch
    RNG (which the model's dropout uses and a checkpoint restores). ``persistent``
    keeps the worker processes between passes (with ``workers`` > 0): give it a
    :class:`BatchPlan` and change its batches between passes.
    """
    return DataLoader(
        examples,  # type: ignore[arg-type]
        batch_sampler=batches,  # type: ignore[arg-type]
        collate_fn=collate,
        num_workers=workers,
        pin_memory=pin_memory,
        generator=torch.Generator(),
        persistent_workers=persistent and workers > 0,
    )


def to_device(batch: Any, device: torch.device) -> Any:
    """Return ``batch`` with every tensor (also inside dicts and lists) moved to ``device``."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(v, device) for v in batch)
    return batch


def module_inputs(batch: dict[str, Any]) -> dict[str, Any]:
    """Return the batch without ``meta`` (what ``module(**inputs)`` receives); the batch itself when it has none."""
    if "meta" not in batch:
        return batch
    return {k: v for k, v in batch.items() if k != "meta"}
