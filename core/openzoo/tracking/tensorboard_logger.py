"""The ``tensorboard`` logger: event files in ``RUN/tensorboard``, through ``torch.utils.tensorboard``.

Scalars go under the names of :mod:`openzoo.tracking.scalars` (``train/loss``,
``validation/accuracy``), the hyperparameters to TensorBoard's HParams tab in the
same event directory. A resumed run passes ``purge_step``, so TensorBoard hides
the points an earlier session logged past the checkpoint it continues from.
Needs the ``tensorboard`` package: ``pip install 'openzoo[tensorboard]'``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, final

from openzoo.errors import BadInputError
from openzoo.tracking.scalars import hyperparameters, record_scalars

__all__ = ["TENSORBOARD_DIR", "TensorBoardLogger"]

#: Directory of the event files inside a run directory (``tensorboard --logdir RUN/tensorboard``).
TENSORBOARD_DIR = "tensorboard"


def _hparam_value(value: Any) -> Any:
    return value if isinstance(value, (bool, int, float, str)) else str(value)


@final
class TensorBoardLogger:
    """Writes scalars and hyperparameters as TensorBoard events."""

    def __init__(self, *, run_dir: str | os.PathLike[str], config: Mapping[str, Any], resumed_at: int | None) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
            from torch.utils.tensorboard.summary import hparams
        except ImportError as exc:
            raise BadInputError(
                f"--logger tensorboard needs the tensorboard package ({exc}); "
                "install it with: pip install 'openzoo[tensorboard]'"
            ) from None
        self.directory = Path(run_dir) / TENSORBOARD_DIR
        purge = None if resumed_at is None else resumed_at + 1
        self.writer = SummaryWriter(log_dir=str(self.directory), purge_step=purge)
        if resumed_at is None:
            params = {k: _hparam_value(v) for k, v in hyperparameters(config).items()}
            for summary in hparams(params, {}):  # in this directory, not the sub-run add_hparams would make
                self.writer.file_writer.add_summary(summary)

    def log(self, record: Mapping[str, Any]) -> None:
        step = int(record.get("step", 0))
        for name, value in record_scalars(record).items():
            self.writer.add_scalar(name, value, global_step=step)

    def close(self, status: str) -> None:
        self.writer.add_text("status", status)
        self.writer.close()
