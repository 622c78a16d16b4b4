"""Model checks: construction, forward, loss, gradients, learning, determinism, size.

Each check builds a fresh model from one test preset (``preset=...`` variant) on
the model's test dataset, seeded, and runs it on a tiny batch of that dataset's
examples on the CPU.
"""

from __future__ import annotations

from typing import Any

from openzoo.conformance.declaration import Measurement, check, fail
from openzoo.conformance.model_runtime import collate, forward, max_error, state_dict_differences
from openzoo.conformance.subjects import ModelSubject
from openzoo.conformance.task_inputs import batch_targets, output_shape_problems, sample_examples

__all__ = [
    "LARGE_PRESET_PARAMETERS",
    "MAX_TINY_PARAMETERS",
    "can_learn_hint",
    "check_model_backward_reaches_every_parameter",
    "check_model_builds",
    "check_model_can_learn_one_batch",
    "check_model_eval_is_deterministic",
    "check_model_forward_outputs",
    "check_model_loss_is_finite_scalar",
    "check_model_seed_gives_same_weights",
    "check_model_tiny_preset_is_small",
    "prepared",
    "start_build_elsewhere",
]

#: The parameter budget of a test preset.
MAX_TINY_PARAMETERS = 1_000_000
#: Seconds the fresh-process build of the seed check may take.
SEED_PROBE_TIMEOUT = 180.0
_REQUIRED_METHODS = ("create", "load", "save", "collate", "predict")


def prepared(subject: ModelSubject, preset: str, *, n: int = 5) -> tuple[Any, dict[str, Any], list[dict[str, Any]]]:
    """Build the model in eval mode and collate ``n`` labelled examples: ``(model, batch, examples)``."""
    model = subject.build(preset)
    examples = sample_examples(subject.spec.task, subject.dataset, n)
    if not examples:
        raise fail(subject, "the test dataset must have examples", "an empty training split", "fix the test dataset")
    batch = collate(subject, model, examples)
    model.module.eval()
    return model, batch, examples


def _loss(subject: ModelSubject, outputs: Any) -> Any:
    loss = outputs.get("loss")
    if loss is None:
        raise fail(
            subject,
            "module(**batch) must return 'loss' when the batch has targets",
            f"output keys {sorted(outputs.keys())}",
            "compute the task's loss when targets are given",
        )
    return loss


@check(kind="model", applies_to="every test preset")
def check_model_builds(subject: ModelSubject, *, preset: str) -> None:
    """``create(config=preset.config, dataset=test dataset)`` builds a model with the protocol's members.

    Why: the engine builds every model this way; the factory must be a class with
    ``create``, ``load``, ``save``, ``collate``, ``predict`` and a ``module`` that is a
    ``torch.nn.Module``. Fix: implement the :class:`openzoo.Model` protocol and size
    heads from ``dataset.info``.
    """
    import torch

    factory = subject.resolve()
    missing = [name for name in _REQUIRED_METHODS if not callable(getattr(factory, name, None))]
    if missing:
        raise fail(
            subject,
            "the factory must implement the Model protocol",
            f"no {', '.join(missing)} on {factory!r}",
            "add the missing methods (see openzoo.protocols.Model)",
        )
    model = subject.build(preset)
    module = getattr(model, "module", None)
    if not isinstance(module, torch.nn.Module):
        raise fail(
            subject, "model.module must be a torch.nn.Module", type(module).__name__, "set self.module to the network"
        )


@check(kind="model", applies_to="every test preset")
def check_model_forward_outputs(subject: ModelSubject, *, preset: str) -> None:
    """``module(**batch)`` returns the task's outputs with the right shapes, floating dtypes and finite values.

    Why: the engine, metrics and ``predict`` read these keys (``logits`` or ``scores``);
    a wrong shape or a NaN breaks evaluation far from its cause. Fix: return a mapping
    (a dict or a Hugging Face ``ModelOutput``) with the keys in the task's ``outputs``
    (``openzoo info <task>``), batch dimension first.
    """
    model, batch, _ = prepared(subject, preset)
    outputs = forward(subject, model.module, batch)
    problems = output_shape_problems(subject.task, outputs, batch, subject.dataset.info)
    if problems:
        raise fail(
            subject,
            f"outputs must follow the task {subject.task.name!r}",
            "; ".join(problems),
            "return the task's outputs with the documented shapes",
        )


@check(kind="model", applies_to="every test preset")
def check_model_loss_is_finite_scalar(subject: ModelSubject, *, preset: str) -> None:
    """With targets in the batch, ``loss`` is a finite floating scalar that requires grad.

    Why: the engine backpropagates ``loss`` and logs it; a vector, an integer, a NaN or
    a detached loss trains nothing or crashes later. Fix: reduce the loss to a mean
    over the batch and compute it from the outputs, inside forward.
    """
    import torch

    model, batch, _ = prepared(subject, preset)
    targets = [k for k in batch_targets(subject.task) if k in batch]
    if not targets:
        raise fail(
            subject,
            "collate of labelled examples must put the task's targets in the batch",
            f"batch keys {sorted(batch)}",
            f"add {batch_targets(subject.task)} to the batch",
        )
    model.module.train()
    loss = _loss(subject, forward(subject, model.module, batch, grad=True))
    if not isinstance(loss, torch.Tensor) or loss.ndim != 0 or not loss.is_floating_point():
        shape = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise fail(subject, "loss must be a floating scalar tensor", str(shape), "reduce the loss with .mean()")
    if not bool(torch.isfinite(loss)):
        raise fail(subject, "loss must be finite", str(loss.item()), "check the loss for log(0) or division by zero")
    if not loss.requires_grad:
        raise fail(
            subject,
            "loss must require grad in training mode",
            "a loss detached from the graph",
            "compute the loss from the module's outputs without .detach() or torch.no_grad()",
        )


@check(kind="model", applies_to="every test preset")
def check_model_backward_reaches_every_parameter(subject: ModelSubject, *, preset: str) -> None:
    """``loss.backward()`` gives a gradient to every trainable parameter.

    Why: a parameter with ``requires_grad`` that never gets a gradient is dead weight
    or, more often, a bug: an output computed under ``no_grad``, a ``.detach()``, a
    layer built but never called. Fix: use the parameter in forward, or freeze it
    with ``requires_grad_(False)`` if that is intended.
    """
    model, batch, _ = prepared(subject, preset)
    module = model.module
    module.train()
    module.zero_grad(set_to_none=True)
    _loss(subject, forward(subject, module, batch, grad=True)).backward()
    missing = [name for name, p in module.named_parameters() if p.requires_grad and p.grad is None]
    if missing:
        shown = ", ".join(missing[:8]) + (f" (and {len(missing) - 8} more)" if len(missing) > 8 else "")
        raise fail(
            subject,
            "backward must reach every trainable parameter",
            f"no gradient for {shown}",
            "remove the .detach() or no_grad on their path, or freeze them with requires_grad_(False)",
        )


@check(kind="model", applies_to="every test preset")
def check_model_can_learn_one_batch(subject: ModelSubject, *, preset: str) -> Measurement:
    """Ten Adam steps on one tiny batch lower the loss.

    Why: a model that cannot overfit five examples cannot learn anything: a wrong sign,
    a loss on the wrong targets, a learning path cut by a bug. Dropout is switched off
    (eval mode) so the comparison is exact. Fix: check the loss and that the outputs
    depend on the parameters you train.
    """
    import torch

    model, batch, _ = prepared(subject, preset)
    module = model.module
    params = [p for p in module.parameters() if p.requires_grad]
    if not params:
        raise fail(
            subject,
            "the model must have trainable parameters",
            "none",
            "do not freeze every parameter in the test preset",
        )
    optimizer = torch.optim.Adam(params, lr=1e-2)
    first = float(_loss(subject, forward(subject, module, batch)).item())
    for _ in range(10):
        optimizer.zero_grad(set_to_none=True)
        _loss(subject, forward(subject, module, batch, grad=True)).backward()
        optimizer.step()
    last = float(_loss(subject, forward(subject, module, batch)).item())
    if not last < first:
        count = sum(p.numel() for p in params)
        raise fail(
            subject,
            "ten optimizer steps on one batch must lower the loss",
            f"{first:.4f} -> {last:.4f} with {count:,} trainable parameters",
            can_learn_hint(count),
        )
    return Measurement(error=last, tolerance=first)


#: Trainable parameters above which a test preset is large for ten Adam steps at lr 1e-2.
LARGE_PRESET_PARAMETERS = 200_000


def can_learn_hint(parameters: int) -> str:
    """Return the likely cause of a can-learn failure: the preset's size first when it is large."""
    targets = "check the loss targets and that outputs depend on the trained parameters"
    if parameters > LARGE_PRESET_PARAMETERS:
        return (
            f"the test preset is large ({parameters:,} trainable parameters): ten Adam steps at lr 1e-2 can "
            f"overshoot or be too few at this size, so shrink the test preset (under {LARGE_PRESET_PARAMETERS:,}) "
            f"before suspecting the model; if a small preset fails too, {targets}"
        )
    return targets


@check(kind="model", applies_to="every test preset")
def check_model_eval_is_deterministic(subject: ModelSubject, *, preset: str) -> Measurement:
    """In eval mode two forward passes on the same batch give identical outputs.

    Why: evaluation and ``predict`` must not depend on chance; randomness in eval mode
    is almost always dropout called with ``training=True`` (``F.dropout(x, p)`` defaults
    to training) or noise that ignores ``self.training``. Fix: use ``nn.Dropout`` modules,
    or pass ``training=self.training``.
    """
    import torch

    model, batch, _ = prepared(subject, preset)
    first = forward(subject, model.module, batch, seed=1)
    second = forward(subject, model.module, batch, seed=2)
    key = next(iter(subject.task.outputs))
    a, b = first.get(key), second.get(key)
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and not torch.equal(a, b):
        error = max_error(a, b)
        training = [name or "(module)" for name, sub in model.module.named_modules() if sub.training]
        state = (
            f"{len(training)} module(s) left in train mode ({', '.join(training[:3])})"
            if training
            else "every module in eval mode"
        )
        raise fail(
            subject,
            "eval mode must be deterministic",
            f"two forward passes differ by {error:.3g} in {key!r} after module.eval(), with {state}",
            "randomness must follow the training flag: use nn.Dropout, or F.dropout(x, p, training=self.training) "
            "(its default is training=True); never call .train() inside forward",
        )
    return Measurement(error=0.0, tolerance=0.0)


def start_build_elsewhere(subject: ModelSubject, *, preset: str, seed: int = 0) -> Any:
    """Start building the preset in a fresh interpreter (another hash seed, clock and PID); return the process.

    Started once per (subject, preset, seed) and killed when the subject is collected; the
    runner starts it ahead of the component's first check so the import overlaps other checks.
    Returns ``None``, starting nothing, when the plugin's hygiene probe already built it
    (:func:`_hygiene_digests`).
    """
    import json
    import os
    import subprocess
    import sys
    import weakref

    from openzoo.conformance.seed_probe import other_hash_seed

    started = subject.__dict__.setdefault("_builds_elsewhere", {})
    if (preset, seed) in started:
        return started[(preset, seed)]
    if seed == 0 and _hygiene_digests(subject, preset) is not None:
        return None  # the plugin's hygiene probe built it in its fresh interpreter already
    dataset = subject.registry.dataset(subject.test_dataset_name)
    request = {
        "factory": subject.spec.factory,
        "loader": dataset.loader,
        "config": dict(subject.preset(preset).config),
        "seed": seed,
    }
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env["PYTHONHASHSEED"] = other_hash_seed()
    process = subprocess.Popen(
        [sys.executable, "-m", "openzoo.conformance.seed_probe"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    stdin, process.stdin = process.stdin, None  # communicate() must not touch the pipe closed here
    if stdin is not None:
        stdin.write(json.dumps(request))
        stdin.close()
    weakref.finalize(subject, process.kill)
    started[(preset, seed)] = process
    return process


def _hygiene_digests(subject: ModelSubject, preset: str) -> dict[str, str] | None:
    """The digests of the seed-0 build of ``preset`` that the plugin's hygiene probe made, if it ran already.

    The probe (:mod:`.hygiene_probe`) is a fresh interpreter with another hash seed too, so when the
    plugin's process checks ran before this model's checks, as they do in a whole run, its build serves
    the seed check and no second interpreter starts. ``None`` when it did not run or could not build.
    """
    owner = subject.plugin_subject
    report = vars(owner).get("_hygiene_report") if owner is not None else None
    if not isinstance(report, dict):
        return None
    digests = report.get("seed_digests", {}).get(subject.spec.name, {}).get(preset)
    return digests if isinstance(digests, dict) and digests else None


def _build_elsewhere(subject: ModelSubject, preset: str, seed: int) -> dict[str, str]:
    """Return the tensor digests of the build in a fresh interpreter (see :func:`start_build_elsewhere`)."""
    import json
    import subprocess

    if seed == 0 and (digests := _hygiene_digests(subject, preset)) is not None:
        return digests
    process = start_build_elsewhere(subject, preset=preset, seed=seed)
    try:
        stdout, stderr = process.communicate(timeout=SEED_PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise fail(
            subject,
            "building in a fresh process must finish",
            f"no answer in {SEED_PROBE_TIMEOUT:.0f} s",
            "remove work done at build time",
        ) from None
    if process.returncode != 0:
        tail = (stderr.strip().splitlines() or ["no output"])[-1]
        raise fail(
            subject,
            "the model must build in a fresh process from its spec, preset and test dataset",
            tail,
            "build only from create(config, dataset) arguments, not from state set up earlier in the process",
        )
    return json.loads(stdout.strip().splitlines()[-1])


@check(kind="model", applies_to="every test preset")
def check_model_seed_gives_same_weights(subject: ModelSubject, *, preset: str) -> None:
    """Building twice after ``torch.manual_seed(0)`` gives identical weights and outputs, in this process and in a fresh one.

    The second build runs in a fresh interpreter with another hash seed (the hygiene
    probe's, when the plugin's checks ran first), so an initialisation that depends on
    process state shows too. Why: runs must be
    reproducible from their seed; an initialisation that draws from an unseeded
    generator (``random``, ``numpy.random``, ``os.urandom``, a fresh ``torch.Generator``)
    or seeds one from the clock, a PID or ``hash()`` of a string (randomised per process)
    makes every run different. Fix: draw every random number from torch's global
    generator, or from a generator seeded from it.
    """
    from openzoo.conformance.seed_probe import tensor_digests

    first = subject.build(preset, seed=0)
    second = subject.build(preset, seed=0)
    differ = state_dict_differences(first.module.state_dict(), second.module.state_dict())
    if differ:
        shown = ", ".join(differ[:6]) + (f" (and {len(differ) - 6} more)" if len(differ) > 6 else "")
        raise fail(
            subject,
            "the same seed must give the same initial weights",
            f"{shown} differ between two builds",
            "draw initial values from torch's seeded generator",
        )
    here, elsewhere = tensor_digests(first.module.state_dict()), _build_elsewhere(subject, preset, 0)
    differ = sorted(name for name in set(here) | set(elsewhere) if here.get(name) != elsewhere.get(name))
    if differ:
        shown = ", ".join(differ[:6]) + (f" (and {len(differ) - 6} more)" if len(differ) > 6 else "")
        raise fail(
            subject,
            "the same seed must give the same initial weights in another process",
            f"{shown} differ between a build here and one in a fresh process",
            "seed nothing from the clock, the PID or hash() of a string; draw from torch's seeded generator",
        )

    examples = sample_examples(subject.spec.task, subject.dataset)
    first.module.eval()
    second.module.eval()
    key = next(iter(subject.task.outputs))
    a = forward(subject, first.module, collate(subject, first, examples)).get(key)
    b = forward(subject, second.module, collate(subject, second, examples)).get(key)
    error = max_error(a, b) if a is not None and b is not None else 0.0
    if error > 0:
        raise fail(
            subject,
            "the same seed must give the same outputs",
            f"outputs differ by {error:.3g} with identical weights",
            "initialise non-persistent buffers and tokenizers deterministically",
        )


#: The runner calls this before the component's first check, so the fresh build overlaps the others.
check_model_seed_gives_same_weights.prefetch = start_build_elsewhere  # type: ignore[attr-defined]


@check(kind="model", applies_to="every test preset")
def check_model_tiny_preset_is_small(subject: ModelSubject, *, preset: str) -> Measurement:
    """A test preset has fewer than one million parameters.

    Why: conformance, CI and the engine's own tests build the test preset many times;
    it must run on a CPU in seconds. Fix: shrink the preset's sizes (layers, hidden
    size, vocabulary); a tiny preset only needs to exercise the code paths.
    """
    model = subject.build(preset)
    count = sum(p.numel() for p in {id(p): p for p in model.module.parameters()}.values())
    if count >= MAX_TINY_PARAMETERS:
        raise fail(
            subject,
            f"test preset {preset!r} must have fewer than {MAX_TINY_PARAMETERS:,} parameters",
            f"{count:,}",
            "shrink the preset's sizes",
        )
    return Measurement(error=float(count), tolerance=float(MAX_TINY_PARAMETERS))
