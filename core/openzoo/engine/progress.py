"""Progress reporting: a tqdm bar on stderr during training, and summary tables.

The bar shows the loss, throughput (examples/s) and tqdm's ETA. It is off when
stderr is not a terminal or with ``--quiet``; then (unless quiet) each
evaluation prints one line to stderr instead, so logs still show progress.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

__all__ = ["TrainingProgress", "format_table", "format_value"]


def format_value(value: Any) -> str:
    """Format a metric value compactly (4 significant digits for floats)."""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.4g}"
    return str(value)


def format_table(rows: Sequence[Sequence[Any]], header: Sequence[str] | None = None) -> str:
    """Return ``rows`` as an aligned plain-text table (columns separated by two spaces)."""
    cells = [[format_value(c) for c in row] for row in rows]
    if header:
        cells.insert(0, list(header))
    if not cells:
        return ""
    widths = [max(len(row[i]) for row in cells if i < len(row)) for i in range(max(len(r) for r in cells))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in cells]
    if header:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class TrainingProgress:
    """The training progress bar (or nothing), fed by the loop."""

    def __init__(
        self,
        *,
        total_steps: int,
        initial_step: int,
        enabled: bool,
        quiet: bool,
        stream: TextIO | None = None,
        refresh_interval: float = 0.1,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self._bar = None
        if enabled and not quiet and _is_tty(self.stream):
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=total_steps,
                initial=initial_step,
                file=self.stream,
                unit="step",
                dynamic_ncols=True,
                leave=False,
                desc="train",
                mininterval=refresh_interval,
            )

    @property
    def visible(self) -> bool:
        """Whether a bar is shown (the loop skips feeding one that is not)."""
        return self._bar is not None

    def advance(self, steps: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(steps)

    def show_training(self, loss: float, examples_per_s: float, lr: float) -> None:
        if self._bar is not None:
            self._bar.set_postfix(loss=f"{loss:.4g}", ex_s=f"{examples_per_s:.0f}", lr=f"{lr:.2e}", refresh=False)

    def show_evaluation(self, step: int, epoch: float, split: str, metrics: Mapping[str, float]) -> None:
        text = ", ".join(f"{k}={format_value(v)}" for k, v in metrics.items())
        line = f"step {step} (epoch {epoch:g}) {split}: {text}"
        if self._bar is not None:
            self._bar.write(line, file=self.stream)
        elif not self.quiet:
            print(line, file=self.stream, flush=True)

    def message(self, text: str) -> None:
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _is_tty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
