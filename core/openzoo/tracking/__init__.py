"""Experiment tracking: loggers, the table of runs and their curves.

This room sits beside the engine. The engine writes ``metrics.jsonl`` itself and
hands every record to the loggers a run names with ``--logger`` (built from the
:class:`~openzoo.LoggerSpec` of the ``openzoo_loggers`` hook); nothing here runs
unless asked, and each tracking library is an optional extra.

Modules, one job each:

- :mod:`~openzoo.tracking.scalars`: a ``metrics.jsonl`` record as flat scalars, a run's hyperparameters.
- :mod:`~openzoo.tracking.csv_logger`, :mod:`~openzoo.tracking.tensorboard_logger`,
  :mod:`~openzoo.tracking.mlflow_logger`: the builtin loggers (``csv``, ``tensorboard``, ``mlflow``).
- :mod:`~openzoo.tracking.status`: whether a run is running, finished, interrupted or failed.
- :mod:`~openzoo.tracking.runs`: the summary of run directories behind ``openzoo runs``.
- :mod:`~openzoo.tracking.plot`: curves of one or more runs behind ``openzoo plot`` (extra ``plot``).
"""

from __future__ import annotations
