"""``openzoo.quiet_transformers``: transformers' bars and its loss_type message stay out of openzoo's output."""

from __future__ import annotations

import logging

import pytest

from openzoo import quiet_transformers

hf_logging = pytest.importorskip("transformers.utils.logging")

LOSS_TYPE = "`loss_type=None` was set in the config but it is unrecognized. Using the default loss: `ForCausalLM`."


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_the_progress_bars_are_off_inside_the_block_and_back_on_after_it():
    assert hf_logging.is_progress_bar_enabled()
    with quiet_transformers():
        assert not hf_logging.is_progress_bar_enabled()
    assert hf_logging.is_progress_bar_enabled()


def test_bars_a_caller_had_switched_off_stay_off():
    hf_logging.disable_progress_bar()
    try:
        with quiet_transformers():
            pass
        assert not hf_logging.is_progress_bar_enabled()
    finally:
        hf_logging.enable_progress_bar()


def test_the_loss_type_message_is_dropped_for_good_and_every_other_message_still_gets_through():
    logger = logging.getLogger("transformers.modeling_utils")
    collect = _Collect()
    logger.addHandler(collect)
    try:
        with quiet_transformers():
            pass
        logger.warning(LOSS_TYPE)  # transformers logs it on a model's first loss, after loading
        logger.warning("Some weights of the model checkpoint were not used")
    finally:
        logger.removeHandler(collect)
    assert collect.messages == ["Some weights of the model checkpoint were not used"]
