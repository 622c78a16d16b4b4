"""Exit codes of the ``openzoo`` command, in one place (as pip's ``status_codes``)."""

from __future__ import annotations

#: The command did what was asked.
SUCCESS = 0
#: The operation failed, including a conformance verdict that is not green.
FAILURE = 1
#: Bad input: an unknown name, an invalid option, a missing or corrupt file.
BAD_INPUT = 2
#: Interrupted by Ctrl-C (128 + SIGINT), after saving what could be saved.
INTERRUPTED = 130
