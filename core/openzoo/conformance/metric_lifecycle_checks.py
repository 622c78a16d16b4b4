"""Metric lifecycle: ``reset`` really forgets, and merges over uneven and many shards are exact.

The core checks merge two equal halves; real evaluation splits a dataset into
shards of different sizes over more than two ranks, and reuses one metric object
across epochs with ``reset`` in between.
"""

from __future__ import annotations

from openzoo.conformance.declaration import Measurement, check, fail
from openzoo.conformance.metric_checks import _chunks, _close, _run, _task, _value
from openzoo.conformance.subjects import MetricSubject
from openzoo.conformance.task_inputs import metric_cases, metric_info

__all__ = ["SHARDINGS", "check_metric_merges_uneven_shards", "check_metric_reset_forgets_everything"]

#: Shard sizes of the 12-example case: uneven pairs and more than two shards.
SHARDINGS = ((3, 9), (9, 3), (2, 4, 6), (2, 2, 3, 5))


@check(kind="metric", applies_to="every metric of a core task")
def check_metric_reset_forgets_everything(subject: MetricSubject) -> Measurement:
    """``update(a); reset(); update(b)`` gives the value of a fresh metric fed ``b``.

    Why: the engine reuses one metric object for every evaluation; state that ``reset``
    misses (a Python attribute, a cached value, a count kept outside ``add_state``)
    leaks one epoch's examples into the next. Fix: register every piece of state with
    ``add_state`` so ``reset`` restores it, and cache nothing across ``compute`` calls.
    """
    task = _task(subject)
    cases = metric_cases(task)
    fresh = _run(subject, [cases["random"]], what="a fresh metric")
    metric = subject.build(metric_info(task))
    _run(subject, [cases["wrong"]], what="the first epoch", metric=metric)
    metric.reset()
    reused = _run(subject, [cases["random"]], what="a reset metric", metric=metric)
    if not _close(reused, fresh):
        raise fail(
            subject,
            "a reset metric must give the value of a fresh one",
            f"{reused} after update; reset; update vs {fresh} fresh",
            "register all state with add_state and cache nothing across compute() calls",
        )
    return Measurement(error=abs(reused - fresh), tolerance=1e-5)


@check(kind="metric", applies_to="every metric of a core task")
def check_metric_merges_uneven_shards(subject: MetricSubject) -> Measurement:
    """States of shards of 3 and 9 examples, and of three and four shards, merge to the one-process value.

    (Shards hold two examples or more; batches of one are the streaming check's business.)

    Why: a merge that averages per-rank values instead of summing counts is exact only
    when every rank holds the same number of examples, and a merge written for two
    states can drop the third. Fix: keep sums and counts (``dist_reduce_fx="sum"``) or
    concatenated values (``"cat"``), and compute the ratio only in ``compute``.
    """
    task = _task(subject)
    case = metric_cases(task)["random"]
    info = metric_info(task)
    whole = _run(subject, [case], what="one process")
    worst = 0.0
    for sizes in SHARDINGS:
        metrics = []
        for shard in _chunks(case, list(sizes)):
            metric = subject.build(info)
            metric.update(shard.outputs, shard.batch)
            metrics.append(metric)
        if not callable(getattr(metrics[0], "merge_state", None)):
            raise fail(subject, "the metric must merge states", "no merge_state", "subclass torchmetrics.Metric")
        try:
            for other in metrics[1:]:
                metrics[0].merge_state(other)
        except Exception as exc:
            raise fail(
                subject, "merge_state must combine states", f"{type(exc).__name__}: {exc}", "use add_state"
            ) from exc
        merged = _value(subject, metrics[0], what=f"states merged from shards {list(sizes)}")
        if not _close(merged, whole):
            raise fail(
                subject,
                "merged states of uneven shards must give the one-process value",
                f"{merged} from shards of {list(sizes)} examples vs {whole}",
                "merge sums and counts, not per-shard values",
            )
        worst = max(worst, abs(merged - whole))
    return Measurement(error=worst, tolerance=1e-5)
