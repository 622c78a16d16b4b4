"""Running a model the way the engine does, for the model checks.

``collate`` turns examples into a batch; the engine calls ``module(**batch)``
with every key except ``meta``; outputs are a mapping. These helpers do the
same, seeded, and compare outputs with a measured error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "collate",
    "create_on",
    "forward",
    "max_error",
    "model_inputs",
    "move",
    "output",
    "state_dict_differences",
]


def collate(subject: Any, model: Any, examples: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Call ``model.collate``; an exception is a conformance failure naming the subject."""
    from openzoo.conformance.declaration import fail

    try:
        batch = model.collate(list(examples))
    except Exception as exc:
        raise fail(
            subject,
            "collate(examples) must build a batch",
            f"{type(exc).__name__}: {exc}",
            "make collate accept examples of the task's schema",
        ) from exc
    if not isinstance(batch, Mapping):
        raise fail(subject, "collate must return a dict of tensors", type(batch).__name__, "return a dict")
    return dict(batch)


def create_on(
    subject: Any, preset: str, dataset: Any, *, expected: str, fix: str, pretrained: str | None = None
) -> Any:
    """Build the test ``preset`` on ``dataset`` (another view of the test dataset), seeded with 0.

    An exception is a conformance failure naming the subject: ``expected`` says what ``create``
    must accept, ``fix`` how.
    """
    import torch

    from openzoo.conformance.declaration import fail

    torch.manual_seed(0)
    try:
        return subject.resolve().create(
            config=dict(subject.preset(preset).config),
            dataset=dataset,
            **({"pretrained": pretrained} if pretrained else {}),
        )
    except Exception as exc:
        raise fail(subject, expected, f"{type(exc).__name__}: {str(exc)[:200]}", fix) from exc


def model_inputs(batch: Mapping[str, Any]) -> dict[str, Any]:
    """Return the keyword arguments of ``module(**batch)``: every key except ``meta``."""
    return {k: v for k, v in batch.items() if k != "meta"}


def move(batch: Mapping[str, Any], device: Any) -> dict[str, Any]:
    """Move every tensor of ``batch`` (nested mappings included) to ``device``."""
    import torch

    out: dict[str, Any] = {}
    for key, value in batch.items():
        if isinstance(value, Mapping):
            out[key] = move(value, device)
        elif isinstance(value, torch.Tensor):
            out[key] = value.to(device)
        else:
            out[key] = value
    return out


def forward(
    subject: Any, module: Any, batch: Mapping[str, Any], *, seed: int | None = 0, grad: bool = False
) -> Mapping[str, Any]:
    """Run ``module(**batch)`` (seeding torch first unless ``seed`` is None) and return its outputs."""
    import torch

    from openzoo.conformance.declaration import fail

    if seed is not None:
        torch.manual_seed(seed)
    try:
        with torch.set_grad_enabled(grad):
            outputs = module(**model_inputs(batch))
    except Exception as exc:
        raise fail(
            subject,
            "module(**batch) must run on a batch from collate",
            f"{type(exc).__name__}: {exc}",
            "make forward accept every key collate returns except 'meta'",
        ) from exc
    if not isinstance(outputs, Mapping):
        raise fail(
            subject,
            "module(**batch) must return a mapping (a dict or a ModelOutput)",
            type(outputs).__name__,
            "return a dict with the task's output keys",
        )
    return outputs


def output(outputs: Mapping[str, Any], key: str) -> Any:
    """Return ``outputs[key]`` or ``None``."""
    return outputs.get(key)


def max_error(actual: Any, expected: Any) -> float:
    """Return the largest absolute difference, scaled by the reference's magnitude when it exceeds 1."""
    import torch

    actual = actual.detach().float().cpu()
    expected = expected.detach().float().cpu()
    if actual.shape != expected.shape:
        return float("inf")
    finite = torch.isfinite(expected) & torch.isfinite(actual)
    if not bool((torch.isfinite(expected) == torch.isfinite(actual)).all()):
        return float("inf")
    if not bool(finite.any()):
        return 0.0
    diff = (actual[finite] - expected[finite]).abs().max().item()
    scale = max(1.0, expected[finite].abs().max().item())
    return float(diff / scale)


def state_dict_differences(first: Mapping[str, Any], second: Mapping[str, Any]) -> list[str]:
    """Return the names of tensors that differ (or exist in only one) between two state dicts."""
    import torch

    names = []
    for key in sorted(set(first) | set(second)):
        a, b = first.get(key), second.get(key)
        if a is None or b is None or a.shape != b.shape or not torch.equal(a, b):
            names.append(key)
    return names
