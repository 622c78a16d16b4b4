"""Training and evaluation curves of one or more runs, drawn with matplotlib (extra ``plot``).

:func:`run_series` reads the curves of a run from its ``metrics.jsonl``;
:func:`plot_runs` draws one panel per quantity (the training loss, then each
evaluation metric) with every run overlaid, and returns the figure together with
the exact data drawn, which ``openzoo plot --json`` prints.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, final

from openzoo.engine.rundir import RunDir, read_metrics
from openzoo.errors import BadInputError, UnknownNameError

__all__ = ["LOSS", "PlotResult", "plot_runs", "run_series"]

#: The name of the training-loss curve.
LOSS = "loss"


def run_series(path: str | os.PathLike[str]) -> dict[str, list[tuple[int, float]]]:
    """Return ``{"loss": [(step, value), ...], "accuracy": [...], ...}`` from a run's ``metrics.jsonl``.

    Evaluation metrics keep their names (``accuracy``); non-finite values are skipped.

    :raises BadInputError: when ``path`` is not a run directory.
    """
    run = RunDir(path)
    run.read_config()
    series: dict[str, list[tuple[int, float]]] = {}
    for record in read_metrics(run.metrics_path):
        step = int(record.get("step", 0))
        values = record["metrics"] if isinstance(record.get("metrics"), dict) else {LOSS: record.get(LOSS)}
        for name, value in values.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
                series.setdefault(name, []).append((step, float(value)))
    return series


@final
@dataclass(slots=True)
class PlotResult:
    """A drawn figure and the data it shows."""

    #: The matplotlib :class:`~matplotlib.figure.Figure`.
    figure: Any
    #: Quantity -> run directory -> ``[(step, value), ...]``, exactly as drawn.
    series: dict[str, dict[str, list[tuple[int, float]]]] = field(default_factory=dict)
    #: Where the image was written, or ``None``.
    out: Path | None = None


def _labels(paths: Sequence[str]) -> list[str]:
    names = [Path(p).name or str(p) for p in paths]
    return names if len(set(names)) == len(names) else [str(p) for p in paths]


def plot_runs(
    paths: Sequence[str | os.PathLike[str]],
    *,
    metrics: Sequence[str] = (),
    out: str | os.PathLike[str] | None = None,
) -> PlotResult:
    """Draw the curves of ``paths`` overlaid and write the image to ``out`` (PNG, SVG or PDF, by its suffix).

    :param metrics: quantities to draw (``loss``, ``accuracy`` ...); default the loss and every
        evaluation metric any of the runs logged.
    :raises BadInputError: for a path that is not a run, a metric no run logged, or no data at all.
    """
    if not paths:
        raise BadInputError("plot needs at least one run directory")
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise BadInputError("openzoo plot needs matplotlib; install it with: pip install 'openzoo[plot]'") from None
    texts = [os.fspath(p) for p in paths]
    per_run = {path: run_series(path) for path in texts}
    available = list(dict.fromkeys(name for series in per_run.values() for name in series))
    wanted = list(dict.fromkeys(metrics)) or sorted(available, key=lambda n: (n != LOSS, n))
    for name in wanted:
        if name not in available:
            raise UnknownNameError("metric in these runs", name, available, hint="(from their metrics.jsonl)")
    if not wanted:
        raise BadInputError(f"no curves to plot: {', '.join(texts)} logged nothing yet (metrics.jsonl is empty)")
    figure = Figure(figsize=(5.5 * len(wanted), 4), layout="constrained")
    axes = figure.subplots(1, len(wanted), squeeze=False)[0]
    result = PlotResult(figure)
    for ax, name in zip(axes, wanted):
        result.series[name] = {}
        for path, label in zip(texts, _labels(texts)):
            points = per_run[path].get(name, [])
            if not points:
                continue
            result.series[name][path] = points
            steps, values = zip(*points)
            ax.plot(steps, values, marker="o" if len(points) < 30 else None, markersize=3, label=label)
        ax.set_title("training loss" if name == LOSS else name)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        if len(texts) > 1:
            ax.legend(fontsize="small")
    if out is not None:
        target = Path(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp{target.suffix}")
        try:
            figure.savefig(tmp, dpi=100)
        except ValueError as exc:  # an unknown image format
            tmp.unlink(missing_ok=True)
            raise BadInputError(f"cannot write {target}: {exc}; use a .png, .svg or .pdf name") from None
        os.replace(tmp, target)
        result.out = target
    return result
