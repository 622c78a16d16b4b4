"""Checks selected by what a model declares: precisions on a device, torch.compile, gradient checkpointing."""

from __future__ import annotations

import copy
from typing import Any

from openzoo.conformance.declaration import CheckSkipped, Measurement, check, fail
from openzoo.conformance.model_checks import prepared
from openzoo.conformance.model_runtime import forward, max_error, move
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.tolerances import tolerance

__all__ = [
    "check_model_device_autocast",
    "check_model_gradient_checkpointing",
    "check_model_torch_compile",
]

#: Error allowed between a compiled or checkpointed module and the eager one (fp32, same device).
SAME_DEVICE_TOLERANCE = 1e-5


@check(kind="model", devices="selected", applies_to="every test preset x every precision the model declares")
def check_model_device_autocast(subject: ModelSubject, *, preset: str, precision: str) -> Measurement:
    """On the selected device, under the backend's autocast in ``precision``, outputs match fp32 on the CPU.

    Why: the engine moves the model with the device backend and trains in the precision
    the user asks for; a model that keeps a tensor on the CPU, casts to a fixed dtype,
    or overflows in fp16 breaks there and only there. The tolerance grows with the
    precision (see the table in ``openzoo.conformance.tolerances``). Skipped, with the
    reason, when the device is absent or does not support the precision. Fix: create
    tensors with ``device=x.device`` and ``dtype=x.dtype``; do softmax and losses in
    fp32; remove precisions the model cannot run from ``ModelSpec.precisions``.
    """
    import torch

    backend = subject.backend()
    supported = tuple(backend.supported_precisions())
    if precision not in supported:
        raise CheckSkipped(
            f"device {subject.device!r} does not support {precision} here (it supports {', '.join(supported)})",
            device=subject.device,
        )
    model, batch, _ = prepared(subject, preset)
    key = next(iter(subject.task.outputs))
    reference = forward(subject, model.module, batch).get(key)
    device = backend.torch_device()
    module = copy.deepcopy(model.module).to(device)
    try:
        with backend.autocast(precision):
            outputs = forward(subject, module, move(batch, device))
    except Exception as exc:
        raise fail(
            subject,
            f"forward must run on {device} under {precision} autocast",
            f"{type(exc).__name__}: {exc}",
            "create tensors on the input's device; remove the precision from ModelSpec.precisions if unsupported",
        ) from exc
    actual = outputs.get(key)
    if isinstance(actual, torch.Tensor) and actual.device.type != device.type:
        raise fail(
            subject,
            f"outputs must stay on {device}",
            f"{key!r} on {actual.device}",
            "do not move outputs to the CPU in forward",
        )
    loss = outputs.get("loss")
    if isinstance(loss, torch.Tensor) and not bool(torch.isfinite(loss.float())):
        raise fail(
            subject,
            f"loss must be finite under {precision}",
            str(loss.item()),
            "compute the loss in fp32 (cast logits with .float())",
        )
    bound = tolerance(device.type, precision)
    error = max_error(actual, reference)
    if error > bound:
        raise fail(
            subject,
            f"outputs on {device} in {precision} must match fp32 on the CPU within {bound:g}",
            f"an error of {error:.3g} in {key!r}",
            "keep reductions and softmax in fp32",
        )
    return Measurement(error=error, tolerance=bound)


def _loss_and_grads(subject: ModelSubject, module: Any, batch: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    module.zero_grad(set_to_none=True)
    loss = forward(subject, module, batch, grad=True).get("loss")
    if loss is None:
        raise fail(subject, "module(**batch) must return 'loss'", "no loss", "compute the loss when targets are given")
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in module.named_parameters() if p.grad is not None}
    return loss.detach(), grads


@check(kind="model", applies_to="test presets of models with capability 'torch_compile'")
def check_model_torch_compile(subject: ModelSubject, *, preset: str) -> Measurement:
    """``torch.compile(module)`` runs forward and backward and matches eager outputs.

    Why: the model declares the ``torch_compile`` capability, and users turn it on for
    speed; graph breaks are fine, errors and wrong results are not. On the CPU the
    check compiles with the ``aot_eager`` backend (graph capture and AOT autograd
    without a C++ toolchain). Fix: remove data-dependent Python control flow from
    forward, or drop the capability.
    """
    import torch

    model, batch, _ = prepared(subject, preset)
    key = next(iter(subject.task.outputs))
    eager = forward(subject, model.module, batch).get(key)
    try:
        compiled = torch.compile(model.module, backend="aot_eager", dynamic=False)
        outputs = forward(subject, compiled, batch, grad=True)
        loss = outputs.get("loss")
        if loss is not None:
            loss.backward()
    except Exception as exc:
        raise fail(
            subject,
            "the declared capability 'torch_compile' must work",
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            "fix what torch.compile reports, or remove 'torch_compile' from capabilities",
        ) from exc
    finally:
        torch._dynamo.reset()
    error = max_error(outputs.get(key), eager)
    if error > SAME_DEVICE_TOLERANCE:
        raise fail(
            subject,
            "compiled outputs must match eager outputs",
            f"an error of {error:.3g}",
            "remove the capability until compiled and eager agree",
        )
    return Measurement(error=error, tolerance=SAME_DEVICE_TOLERANCE)


@check(kind="model", applies_to="test presets of models with capability 'gradient_checkpointing'")
def check_model_gradient_checkpointing(subject: ModelSubject, *, preset: str) -> Measurement:
    """``module.gradient_checkpointing_enable()`` (or ``activation_checkpointing_enable()``) keeps the loss and grads.

    Why: the model declares the capability, and users enable it to fit larger batches;
    recomputation must give the same numbers. Fix: implement
    ``gradient_checkpointing_enable()`` (Hugging Face models have it) and use
    ``torch.utils.checkpoint`` with ``use_reentrant=False``.
    """
    model, batch, _ = prepared(subject, preset)
    module = model.module
    # transformers 5 renamed the method (the old name warns and goes in v6); both are accepted.
    enable = getattr(module, "activation_checkpointing_enable", None)
    kwargs_name = "activation_checkpointing_kwargs"
    if not callable(enable):
        enable = getattr(module, "gradient_checkpointing_enable", None)
        kwargs_name = "gradient_checkpointing_kwargs"
    if not callable(enable):
        raise fail(
            subject,
            "the declared capability 'gradient_checkpointing' needs module.gradient_checkpointing_enable()",
            "no such method",
            "add the method or remove the capability",
        )
    module.train()
    loss, grads = _loss_and_grads(subject, module, batch)
    try:
        try:
            enable(**{kwargs_name: {"use_reentrant": False}})
        except TypeError:
            enable()
        ckpt_loss, ckpt_grads = _loss_and_grads(subject, module, batch)
    except Exception as exc:
        raise fail(
            subject,
            "training must work with gradient checkpointing on",
            f"{type(exc).__name__}: {exc}",
            "fix gradient_checkpointing_enable() or remove the capability",
        ) from exc
    error = max_error(ckpt_loss, loss)
    for name, grad in grads.items():
        other = ckpt_grads.get(name)
        error = max(error, float("inf") if other is None else max_error(other, grad))
    if error > SAME_DEVICE_TOLERANCE:
        raise fail(
            subject,
            "gradient checkpointing must keep the loss and gradients",
            f"an error of {error:.3g}",
            "checkpoint whole blocks and preserve the RNG state",
        )
    return Measurement(error=error, tolerance=SAME_DEVICE_TOLERANCE)
