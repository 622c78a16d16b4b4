"""Evaluation: run a model over a split and compute metrics (reduced across ranks under DDP).

Each rank evaluates its own shard of the split (in order, no padding, no
duplicates); the metrics' ``compute`` reduces their state across ranks
(torchmetrics does so when the process group exists), so every rank gets the
value of the whole split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from openzoo.engine.batching import evaluation_batches, make_loader, module_inputs, to_device
from openzoo.engine.distributed import Distributed
from openzoo.errors import BadInputError

__all__ = ["evaluate_examples"]


def _as_float(value: Any) -> float:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise BadInputError(f"a metric returned a tensor of shape {tuple(value.shape)}; metrics return one number")
        return float(value.detach().cpu().item())
    return float(value)


def evaluate_examples(
    *,
    model: Any,
    examples: Sequence[Any],
    metrics: Mapping[str, Any],
    backend: Any,
    device: torch.device,
    precision: str,
    batch_size: int,
    env: Distributed | None = None,
    workers: int = 0,
) -> dict[str, float]:
    """Return ``{metric key: value}`` of ``model.module`` over ``examples``.

    The module runs in eval mode without gradients, under the backend's autocast;
    its training mode is restored afterwards. Metrics are reset before and after.
    """
    env = env or Distributed()
    module = model.module
    was_training = module.training
    for metric in metrics.values():
        metric.reset()
    batches = evaluation_batches(len(examples), batch_size, rank=env.rank, world_size=env.world_size)
    loader = make_loader(examples, batches, model.collate, workers=workers, pin_memory=device.type == "cuda")
    module.eval()
    try:
        with torch.no_grad():
            for cpu_batch in loader:
                batch = to_device(cpu_batch, device)
                with backend.autocast(precision):
                    outputs = module(**module_inputs(batch))
                for metric in metrics.values():
                    metric.update(outputs, batch)
        results = {key: _as_float(metric.compute()) for key, metric in metrics.items()}
    finally:
        module.train(was_training)
        for metric in metrics.values():
            metric.reset()
    return results
