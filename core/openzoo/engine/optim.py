"""The optimizer (AdamW) and learning-rate schedule, built from torch's own classes.

Weight decay applies to matrices and embeddings only, not to biases and
normalisation weights (parameters with fewer than two dimensions). The schedule
warms up linearly over ``warmup_ratio`` of the steps (:class:`~torch.optim.lr_scheduler.LinearLR`
from ``lr / warmup_steps`` to ``lr``), then decays linearly to 0
(:class:`~torch.optim.lr_scheduler.LinearLR`), along a cosine to 0
(:class:`~torch.optim.lr_scheduler.CosineAnnealingLR`) or stays constant,
chained with :class:`~torch.optim.lr_scheduler.SequentialLR`.
"""

from __future__ import annotations

import math
import warnings

import torch
from torch.optim.lr_scheduler import ConstantLR, CosineAnnealingLR, LinearLR, LRScheduler, SequentialLR

from openzoo.engine.settings import TrainingSettings

__all__ = ["build_optimizer", "build_scheduler", "replan_scheduler", "warmup_steps"]


def build_optimizer(module: torch.nn.Module, settings: TrainingSettings) -> torch.optim.Optimizer:
    """Return AdamW over the trainable parameters of ``module``."""
    decay, no_decay = [], []
    for parameter in module.parameters():
        if not parameter.requires_grad:
            continue
        (decay if parameter.ndim >= 2 else no_decay).append(parameter)
    groups = []
    if decay:
        groups.append({"params": decay, "weight_decay": settings.weight_decay})
    if no_decay:
        groups.append({"params": no_decay, "weight_decay": 0.0})
    if not groups:
        raise ValueError("the model has no trainable parameters")
    return torch.optim.AdamW(groups, lr=settings.lr)


def warmup_steps(settings: TrainingSettings, total_steps: int) -> int:
    """Return the number of warmup steps: ``ceil(warmup_ratio * total_steps)``."""
    return math.ceil(settings.warmup_ratio * total_steps)


def _decay(optimizer: torch.optim.Optimizer, kind: str, steps: int) -> LRScheduler:
    steps = max(1, steps)
    if kind == "linear":
        return LinearLR(optimizer, start_factor=1.0, end_factor=0.0, total_iters=steps)
    if kind == "cosine":
        return CosineAnnealingLR(optimizer, T_max=steps, eta_min=0.0)
    return ConstantLR(optimizer, factor=1.0, total_iters=0)


def build_scheduler(optimizer: torch.optim.Optimizer, settings: TrainingSettings, total_steps: int) -> LRScheduler:
    """Return the warmup + decay schedule over ``total_steps`` optimizer steps (stepped once per step)."""
    warmup = warmup_steps(settings, total_steps)
    if warmup == 0:
        return _decay(optimizer, settings.schedule, total_steps)
    ramp = LinearLR(optimizer, start_factor=1.0 / warmup, end_factor=1.0, total_iters=warmup)
    decay = _decay(optimizer, settings.schedule, total_steps - warmup)
    return SequentialLR(optimizer, schedulers=[ramp, decay], milestones=[warmup])


def replan_scheduler(
    optimizer: torch.optim.Optimizer, settings: TrainingSettings, total_steps: int, step: int
) -> LRScheduler:
    """Return the schedule over ``total_steps`` positioned at ``step``: how an extended run continues.

    The learning rate at ``step`` is what a run planned for ``total_steps`` from the start would
    have there (warmup over ``warmup_ratio * total_steps``, then the decay to 0 at ``total_steps``),
    so a run that had decayed to 0 trains again, and the decay now ends at the new total.
    """
    for group in optimizer.param_groups:
        group["lr"] = group.get("initial_lr", settings.lr)
    with warnings.catch_warnings():  # stepping the schedule without optimizer steps is what we mean here
        warnings.simplefilter("ignore", UserWarning)
        scheduler = build_scheduler(optimizer, settings, total_steps)
        for _ in range(step):
            scheduler.step()
    return scheduler
