"""Keep transformers' own console output away from openzoo's users.

transformers draws a "Loading weights" bar in ``from_pretrained`` and a "Writing model
shards" bar in ``save_pretrained``; they land in the middle of ``openzoo predict``
output and of the engine's own progress. Models whose class name transformers cannot
map to a loss (``GPT2LMHeadModel``, for one) log "`loss_type=None` was set in the
config but it is unrecognized" on their first loss, although the default it falls back
on is the right one. :func:`quiet_transformers` hides both; plugins wrap their loading
and saving in it (``from openzoo import quiet_transformers``).

Nothing here imports transformers until the helper is used.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["quiet_transformers"]

#: The start of the message transformers logs for a model class it has no loss mapping for.
_LOSS_TYPE_MESSAGE = "`loss_type=None` was set in the config but it is unrecognized"


class _LossTypeFilter(logging.Filter):
    """Drop transformers' ``loss_type=None`` message; let every other record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_LOSS_TYPE_MESSAGE)


_FILTER = _LossTypeFilter()


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """Hide transformers' progress bars for the block, and its ``loss_type=None`` message from now on.

    The bars are enabled again on leaving the block if they were enabled on entering it.
    The message is logged when a model first computes a loss (in training, outside any
    block), so its filter stays on transformers' ``modeling_utils`` logger once added;
    every other message of that logger still gets through.
    """
    from transformers.utils import logging as hf_logging

    logging.getLogger("transformers.modeling_utils").addFilter(_FILTER)  # adding it twice keeps one
    enabled = hf_logging.is_progress_bar_enabled()
    if enabled:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()
