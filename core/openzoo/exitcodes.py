"""Exit codes of the ``openzoo`` command, in one place (as pip's ``status_codes``)."""

from __future__ import annotations

#: The command did what was asked.
SUCCESS = 0
#: The operation failed, including a conformance verdict that is not green.
FAILURE = 1
#: Bad input: an unknown name, an invalid option, a missing or corrupt file; also a run directory in use, and
#: a resource the machine refused (disk full, permission denied, read-only file system, out of memory).
BAD_INPUT = 2
#: Training diverged: the loss, the gradient norm or the weights became NaN or infinite. The last good
#: checkpoint is kept (no checkpoint with non-finite weights is ever written).
DIVERGED = 3
#: Interrupted by Ctrl-C (128 + SIGINT), after saving what could be saved.
INTERRUPTED = 130
#: Stopped by SIGTERM (128 + 15: a scheduler's preemption), after saving a checkpoint to resume from.
TERMINATED = 143
