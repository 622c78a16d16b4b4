"""Metric checks, on outputs and batches crafted from the metric's tasks with known answers."""

from __future__ import annotations

import math
from typing import Any

from openzoo.conformance.declaration import CheckSkipped, Measurement, check, fail
from openzoo.conformance.subjects import MetricSubject
from openzoo.conformance.task_inputs import METRIC_TASKS, MetricCase, metric_cases, metric_info
from openzoo.errors import BadInputError

__all__ = [
    "METRIC_TOLERANCE",
    "check_metric_declares_direction_and_range",
    "check_metric_device_invariant",
    "check_metric_dtype_invariant",
    "check_metric_empty_input_raises_clear_error",
    "check_metric_known_values",
    "check_metric_merged_states_equal_one_process",
    "check_metric_order_invariant",
    "check_metric_streaming_equals_one_shot",
]

#: Relative tolerance between two ways of computing the same metric value.
METRIC_TOLERANCE = 1e-5


def _task(subject: MetricSubject) -> str:
    for task in subject.spec.tasks:
        if task in METRIC_TASKS:
            return task
    raise CheckSkipped(f"the suite has no crafted inputs for tasks {list(subject.spec.tasks)}")


def _value(subject: MetricSubject, metric: Any, *, what: str) -> float:
    try:
        value = metric.compute()
    except Exception as exc:
        raise fail(
            subject,
            f"compute() must work on {what}",
            f"{type(exc).__name__}: {exc}",
            "accumulate state in update and reduce it in compute",
        ) from exc
    value = float(value.item() if hasattr(value, "item") else value)
    return value


def _run(subject: MetricSubject, chunks: list[MetricCase], *, what: str, metric: Any = None) -> float:
    metric = metric if metric is not None else subject.build(metric_info(_task(subject)))
    for chunk in chunks:
        try:
            metric.update(chunk.outputs, chunk.batch)
        except Exception as exc:
            raise fail(
                subject,
                f"update() must accept {what}",
                f"{type(exc).__name__}: {exc}",
                "handle batches of any size, one example included (no .squeeze())",
            ) from exc
    return _value(subject, metric, what=what)


def _close(a: float, b: float, tol: float = METRIC_TOLERANCE) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def _chunks(case: MetricCase, sizes: list[int]) -> list[MetricCase]:
    out, start = [], 0
    for size in sizes:
        out.append(case.select(range(start, min(start + size, len(case)))))
        start += size
    if start < len(case):
        out.append(case.select(range(start, len(case))))
    return [c for c in out if len(c)]


@check(kind="metric", applies_to="every metric")
def check_metric_declares_direction_and_range(subject: MetricSubject) -> None:
    """The spec declares ``higher_is_better`` and a range, and the factory builds a metric with update/compute/reset.

    Why: the engine selects the best checkpoint by direction, and reports and
    dashboards draw the range. Fix: set ``MetricSpec.higher_is_better`` and
    ``MetricSpec.range`` and return a ``torchmetrics.Metric`` from the factory.
    """
    spec = subject.spec
    if not isinstance(spec.higher_is_better, bool):
        raise fail(
            subject,
            "higher_is_better must be a bool",
            repr(spec.higher_is_better),
            "set higher_is_better=True or False",
        )
    low, high = spec.range
    if not low < high:
        raise fail(subject, "range must be (low, high) with low < high", repr(spec.range), "declare the metric's range")
    metric = subject.build(metric_info(_task(subject)))
    missing = [m for m in ("update", "compute", "reset") if not callable(getattr(metric, m, None))]
    if missing:
        raise fail(
            subject,
            "the factory must return a Metric",
            f"no {missing} on {type(metric).__name__}",
            "return a torchmetrics.Metric",
        )


@check(kind="metric", applies_to="every metric of a core task")
def check_metric_known_values(subject: MetricSubject) -> None:
    """Perfect predictions give the best end of the range, completely wrong ones the worst (when finite), and random ones a value inside it.

    Why: these are the cases where the right answer is known without a reference
    implementation; a metric off there (an off-by-one, a wrong class axis, a shifted
    target) is off everywhere. Fix: compare with a reference on the case the message names.
    """
    spec = subject.spec
    low, high = spec.range
    best, worst = (high, low) if spec.higher_is_better else (low, high)
    cases = metric_cases(_task(subject))
    perfect = _run(subject, [cases["perfect"]], what="perfect predictions")
    wrong = _run(subject, [cases["wrong"]], what="wrong predictions")
    random = _run(subject, [cases["random"]], what="random predictions")
    # a reversed order (perfect scoring worse than wrong) is explained by the declared direction: say so first
    reversed_order = (perfect < wrong) if spec.higher_is_better else (perfect > wrong)
    direction = (
        f"first check MetricSpec.higher_is_better: it says {spec.higher_is_better}, and the values behave as if it "
        f"were {not spec.higher_is_better} (perfect {perfect}, wrong {wrong}); then "
        if reversed_order
        else ""
    )
    if math.isfinite(best) and not _close(perfect, best, 1e-3):
        raise fail(
            subject,
            f"perfect predictions must give the best value {best}",
            f"{perfect}",
            direction + "check the class axis and the target alignment",
        )
    if math.isfinite(worst) and not _close(wrong, worst, 1e-3):
        raise fail(
            subject,
            f"completely wrong predictions must give the worst value {worst}",
            f"{wrong}",
            direction + "check the comparison with the targets",
        )
    if reversed_order or perfect == wrong:
        raise fail(
            subject,
            "perfect predictions must score better than wrong ones",
            f"perfect {perfect}, wrong {wrong}",
            direction + "check the formula",
        )
    if not (low - 1e-6 <= random <= high + 1e-6) or math.isnan(random):
        raise fail(
            subject,
            f"values must lie in the declared range {spec.range}",
            f"{random} on random predictions",
            "fix the formula or the declared range",
        )


@check(kind="metric", applies_to="every metric of a core task")
def check_metric_streaming_equals_one_shot(subject: MetricSubject) -> Measurement:
    """Updating in uneven chunks (one-example chunks included) gives the value of one update with everything.

    Why: the engine streams batches of any size, and the last batch is often a single
    example; averaging per-batch values, or squeezing a batch of one, gives a value that
    depends on the batch size. Fix: accumulate sums and counts, never per-batch means.
    """
    case = metric_cases(_task(subject))["random"]
    whole = _run(subject, [case], what="one update")
    worst = 0.0
    for sizes in ([5, 1, 6], [1] * len(case)):
        streamed = _run(subject, _chunks(case, sizes), what=f"chunks of sizes {sizes}")
        worst = max(worst, abs(streamed - whole))
        if not _close(streamed, whole):
            raise fail(
                subject,
                "streaming in chunks must equal one update",
                f"{streamed} in chunks {sizes} vs {whole} at once",
                "accumulate sums and counts across updates",
            )
    return Measurement(error=worst, tolerance=METRIC_TOLERANCE)


@check(kind="metric", applies_to="every metric of a core task")
def check_metric_order_invariant(subject: MetricSubject) -> Measurement:
    """Shuffling the examples does not change the value.

    Why: the distributed sampler and the DataLoader reorder examples; a metric that
    depends on order gives different numbers per run and per world size. Fix: do
    not keep positional state across examples.
    """
    import torch

    case = metric_cases(_task(subject))["random"]
    order = torch.randperm(len(case), generator=torch.Generator().manual_seed(3)).tolist()
    first = _run(subject, _chunks(case, [4, 4, 4]), what="ordered examples")
    second = _run(subject, _chunks(case.select(order), [4, 4, 4]), what="shuffled examples")
    if not _close(first, second):
        raise fail(
            subject,
            "the value must not depend on example order",
            f"{first} vs {second} shuffled",
            "accumulate order-free statistics",
        )
    return Measurement(error=abs(first - second), tolerance=METRIC_TOLERANCE)


@check(kind="metric", applies_to="every metric of a core task")
def check_metric_merged_states_equal_one_process(subject: MetricSubject) -> Measurement:
    """Two metrics fed half the examples each, merged with ``merge_state``, give the one-process value.

    Why: under DDP every rank sees part of the split and torchmetrics reduces the
    states; a state that does not merge (a Python float, a list reduced wrongly) gives
    each rank its own value. Fix: register state with ``add_state(..., dist_reduce_fx=...)``.
    """
    case = metric_cases(_task(subject))["random"]
    info = metric_info(_task(subject))
    whole = _run(subject, [case], what="one process")
    first, second = subject.build(info), subject.build(info)
    if not callable(getattr(first, "merge_state", None)):
        raise fail(
            subject,
            "the metric must merge states across processes",
            f"{type(first).__name__} has no merge_state",
            "subclass torchmetrics.Metric and register state with add_state",
        )
    half = len(case) // 2
    first.update(case.select(range(half)).outputs, case.select(range(half)).batch)
    rest = case.select(range(half, len(case)))
    second.update(rest.outputs, rest.batch)
    try:
        first.merge_state(second)
    except Exception as exc:
        raise fail(
            subject,
            "merge_state must combine two states",
            f"{type(exc).__name__}: {exc}",
            "register state with add_state and a dist_reduce_fx",
        ) from exc
    merged = _value(subject, first, what="merged states")
    if not _close(merged, whole):
        raise fail(
            subject,
            "merged states must give the one-process value",
            f"{merged} merged vs {whole}",
            "reduce state with sums (dist_reduce_fx='sum') or concatenation ('cat')",
        )
    return Measurement(error=abs(merged - whole), tolerance=METRIC_TOLERANCE)


@check(kind="metric", applies_to="every metric")
def check_metric_empty_input_raises_clear_error(subject: MetricSubject) -> None:
    """``compute()`` before any ``update()`` raises ``openzoo.BadInputError`` saying nothing was added.

    Why: an empty split (a wrong path, a filter that removed everything) must not
    report accuracy 0 or NaN as if it were a result. Fix: check the count in
    ``compute`` and ``raise BadInputError("... no examples were added ...")``.
    """
    metric = subject.build(metric_info(_task(subject)))
    try:
        value = metric.compute()
    except BadInputError as exc:
        if not str(exc).strip():
            raise fail(
                subject, "the error must say what is wrong", "an empty message", "say that no examples were added"
            ) from exc
        return
    except Exception as exc:
        raise fail(
            subject,
            "compute() on no input must raise openzoo.BadInputError",
            f"{type(exc).__name__}: {exc}",
            "raise BadInputError when nothing was added",
        ) from exc
    raise fail(
        subject,
        "compute() on no input must raise openzoo.BadInputError",
        f"the value {value!r}",
        "raise BadInputError when nothing was added",
    )


@check(level="recommended", kind="metric", applies_to="every metric of a core task")
def check_metric_dtype_invariant(subject: MetricSubject) -> Measurement:
    """Outputs in float64 give the same value as in float32.

    Why: under mixed precision or with double-precision evaluation the metric receives
    other dtypes; a metric that mixes dtypes in its state crashes or loses precision.
    Fix: cast inputs to the state's dtype in ``update``.
    """
    import torch

    case = metric_cases(_task(subject))["random"]
    base = _run(subject, [case], what="float32 outputs")
    double = _run(subject, [case.map_floats(lambda t: t.to(torch.float64))], what="float64 outputs")
    if not _close(base, double):
        raise fail(
            subject,
            "the value must not depend on the outputs' dtype",
            f"{double} in float64 vs {base} in float32",
            "cast inputs to the state's dtype in update",
        )
    return Measurement(error=abs(base - double), tolerance=METRIC_TOLERANCE)


@check(kind="metric", devices="selected", applies_to="every metric of a core task")
def check_metric_device_invariant(subject: MetricSubject) -> Measurement:
    """On the selected device (metric and inputs moved there) the value equals the CPU value.

    Why: the engine evaluates on the training device; a metric that creates tensors on
    the CPU inside ``update`` crashes on a GPU. Skipped, with the reason, when the device
    is absent. Fix: create tensors with ``device=preds.device``.
    """
    spec = subject.registry.device(subject.device)
    backend_class = subject.registry.resolve(spec)
    if not backend_class.is_available():
        raise CheckSkipped(f"device {subject.device!r} is not available in this environment", device=subject.device)
    device = backend_class().torch_device()
    case = metric_cases(_task(subject))["random"]
    base = _run(subject, [case], what="CPU inputs")
    metric = subject.build(metric_info(_task(subject)))
    if hasattr(metric, "to"):
        metric = metric.to(device)
    moved = _run(subject, [case.to(device)], what=f"inputs on {device}", metric=metric)
    if not _close(base, moved, 1e-4):
        raise fail(
            subject,
            f"the value on {device} must equal the CPU value",
            f"{moved} vs {base}",
            "create tensors on the inputs' device",
        )
    return Measurement(error=abs(base - moved), tolerance=1e-4)
