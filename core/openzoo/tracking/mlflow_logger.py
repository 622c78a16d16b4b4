"""The ``mlflow`` logger: an MLflow run per openzoo run, through MLflow's own client.

By default the tracking store is a local file store in ``RUN/mlruns``: MLflow 3
keeps that store in maintenance mode and refuses it unless ``MLFLOW_ALLOW_FILE_STORE``
is true, which this logger sets for its own default store (browse it with
``MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri RUN/mlruns``).
``MLFLOW_TRACKING_URI`` points it at a tracking server or a database instead, and
``MLFLOW_EXPERIMENT_NAME`` picks the experiment (default ``openzoo``). The MLflow run id is kept in ``RUN/mlflow.json`` so that
``--resume`` continues the same MLflow run. Needs ``pip install 'openzoo[mlflow]'``
(``mlflow-skinny`` is enough).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, final

from openzoo.engine.rundir import atomic_write_json
from openzoo.errors import BadInputError
from openzoo.tracking.scalars import hyperparameters, record_scalars

__all__ = ["MLFLOW_FILE", "MLFLOW_STORE_DIR", "MlflowLogger"]

#: The local file store inside a run directory, used unless ``MLFLOW_TRACKING_URI`` is set.
MLFLOW_STORE_DIR = "mlruns"
#: Where the run directory remembers its MLflow run: ``{"tracking_uri", "experiment_id", "run_id"}``.
MLFLOW_FILE = "mlflow.json"
#: MLflow's run statuses for openzoo's session outcomes.
_TERMINAL = {"finished": "FINISHED", "interrupted": "KILLED", "failed": "FAILED"}
#: MLflow rejects batches above 100 params and 1000 metrics.
_PARAM_BATCH = 100
_PARAM_VALUE_LIMIT = 6000


@final
class MlflowLogger:
    """Logs params once and every record's scalars as MLflow metrics (step = optimizer step)."""

    def __init__(self, *, run_dir: str | os.PathLike[str], config: Mapping[str, Any], resumed_at: int | None) -> None:
        try:
            from mlflow.entities import Metric, Param
            from mlflow.tracking import MlflowClient
        except ImportError as exc:
            raise BadInputError(
                f"--logger mlflow needs the mlflow client ({exc}); install it with: pip install 'openzoo[mlflow]'"
            ) from None
        self._metric_type = Metric
        run_path = Path(run_dir)
        uri = os.environ.get("MLFLOW_TRACKING_URI") or ""
        if not uri:
            uri = (run_path / MLFLOW_STORE_DIR).resolve().as_uri()
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # our own local store, by default
        self.client = MlflowClient(tracking_uri=uri)
        remembered = _read_remembered(run_path / MLFLOW_FILE)
        if resumed_at is not None and remembered.get("tracking_uri") == uri and remembered.get("run_id"):
            self.run_id = str(remembered["run_id"])
            self.client.update_run(self.run_id, status="RUNNING")
            return
        name = os.environ.get("MLFLOW_EXPERIMENT_NAME") or "openzoo"
        experiment = self.client.get_experiment_by_name(name)
        experiment_id = experiment.experiment_id if experiment else self.client.create_experiment(name)
        tags = {"openzoo.run_dir": str(run_path.resolve())}
        run = self.client.create_run(experiment_id, run_name=run_path.name, tags=tags)
        self.run_id = run.info.run_id
        atomic_write_json(
            run_path / MLFLOW_FILE, {"tracking_uri": uri, "experiment_id": experiment_id, "run_id": self.run_id}
        )
        params = [Param(k, str(v)[:_PARAM_VALUE_LIMIT]) for k, v in hyperparameters(config).items()]
        for start in range(0, len(params), _PARAM_BATCH):
            self.client.log_batch(self.run_id, params=params[start : start + _PARAM_BATCH])

    def log(self, record: Mapping[str, Any]) -> None:
        step = int(record.get("step", 0))
        stamp = int(time.time() * 1000)
        metrics = [self._metric_type(k, v, stamp, step) for k, v in record_scalars(record).items()]
        self.client.log_batch(self.run_id, metrics=metrics)

    def close(self, status: str) -> None:
        self.client.set_terminated(self.run_id, status=_TERMINAL.get(status, "FAILED"))


def _read_remembered(path: Path) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}
