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
    "PIPE_BYTES",
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


#: Tensors of up to this many bytes leave a worker process as numpy arrays pickled through the pipe;
#: larger ones go through shared memory, PyTorch's default. Receiving a tensor in shared memory costs
#: a file-descriptor round trip to the worker for each tensor (about 2 ms a batch on a 2-core VM, while
#: the worker holds its GIL collating the next batch); a small array through the pipe costs a copy.
PIPE_BYTES = 1 << 20
_PIPED_DTYPES = frozenset(
    {
        torch.float64,
        torch.float32,
        torch.float16,
        torch.int64,
        torch.int32,
        torch.int16,
        torch.int8,
        torch.uint8,
        torch.bool,
    }
)


class _Piped:
    """A small CPU tensor on its way out of a worker: its numpy array (see :data:`PIPE_BYTES`)."""

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = array

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Piped, (self.array,))


def _pipe(value: Any) -> Any:
    """Return ``value`` with each small CPU tensor (also inside dicts, lists and tuples) wrapped as :class:`_Piped`."""
    if isinstance(value, torch.Tensor):
        if (
            value.device.type == "cpu"
            and value.dtype in _PIPED_DTYPES
            and not value.requires_grad
            and value.numel() * value.element_size() <= PIPE_BYTES
        ):
            return _Piped(value.numpy())
        return value
    if isinstance(value, dict):
        return {key: _pipe(item) for key, item in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_pipe(item) for item in value)
    return value


def _unpipe(value: Any) -> Any:
    """Undo :func:`_pipe`: each :class:`_Piped` becomes a tensor again, of the same dtype, shape and values."""
    if isinstance(value, _Piped):
        return torch.from_numpy(value.array)
    if isinstance(value, dict):
        return {key: _unpipe(item) for key, item in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_unpipe(item) for item in value)
    return value


class _PipingCollate:
    """``collate`` as a worker runs it: its small tensors leave through the pipe (picklable for spawned workers)."""

    __slots__ = ("collate",)

    def __init__(self, collate: Callable[[Sequence[Any]], Any]) -> None:
        self.collate = collate

    def __call__(self, examples: Sequence[Any]) -> Any:
        return _pipe(self.collate(examples))


class _PipedLoader(DataLoader):
    """A DataLoader whose workers send small tensors through the pipe; it yields plain tensors."""

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        return map(_unpipe, super().__iter__())


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
    :class:`BatchPlan` and change its batches between passes. With workers (and without
    pinned memory, which PyTorch's pinning thread gives tensors in shared memory), tensors of
    up to :data:`PIPE_BYTES` leave the workers as numpy arrays; the batches it yields hold the
    same tensors as with ``workers=0``.
    """
    piped = workers > 0 and not pin_memory
    return (_PipedLoader if piped else DataLoader)(
        examples,  # type: ignore[arg-type]
        batch_sampler=batches,  # type: ignore[arg-type]
        collate_fn=_PipingCollate(collate) if piped else collate,
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
