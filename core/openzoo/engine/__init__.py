"""The engine: train, evaluate and predict any plugin's model through the contract.

Plugins never write a training loop: the engine builds a model from its spec
(:meth:`~openzoo.protocols.Model.create` or ``load``), trains ``model.module`` on
batches from ``model.collate``, evaluates with the task's metrics and serves
``model.predict``. Everything a run produces lives in a run directory
(:mod:`openzoo.engine.rundir`).

Modules, one job each:

- :mod:`~openzoo.engine.api`: the Python API (:func:`~openzoo.engine.api.train`,
  :func:`~openzoo.engine.api.evaluate`, :func:`~openzoo.engine.api.predict`,
  :func:`~openzoo.engine.api.load`), re-exported by :mod:`openzoo`.
- :mod:`~openzoo.engine.options`: ``-o key=value`` routed to declared options, converted by type.
- :mod:`~openzoo.engine.settings`: training settings from the preset and the user's flags.
- :mod:`~openzoo.engine.components`: looking up and building device, dataset and metrics.
- :mod:`~openzoo.engine.rundir`: the run directory layout and atomic writes.
- :mod:`~openzoo.engine.checkpoint`: trainer state (optimizer, scheduler, RNG) save and restore.
- :mod:`~openzoo.engine.batching`: deterministic, resumable, rank-aware batching.
- :mod:`~openzoo.engine.loop`: the training loop.
- :mod:`~openzoo.engine.evaluation`: metrics over a split.
- :mod:`~openzoo.engine.prediction`: predict and stream on raw inputs.
- :mod:`~openzoo.engine.loading`: loading a run directory or building a fresh model.
- :mod:`~openzoo.engine.distributed`: ``torchrun`` / DDP support.
- :mod:`~openzoo.engine.interrupt`: Ctrl-C and SIGTERM handling.
- :mod:`~openzoo.engine.runlock`: one writer per run directory (an OS lock); who is writing a run.
- :mod:`~openzoo.engine.runclaim`: claiming a run directory, and what a failed run leaves behind.
- :mod:`~openzoo.engine.failures`: a diverged run, and resource errors named.
- :mod:`~openzoo.engine.progress`: progress bar and summary table.

Importing this package imports nothing heavy; its modules import torch.
"""

from __future__ import annotations
