"""The progress bar: on a terminal only, never with --quiet; and the summary table format."""

from __future__ import annotations

import io

from openzoo.engine.progress import TrainingProgress, format_table


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_shows_loss_throughput_and_eta_on_a_terminal():
    stream = Terminal()
    progress = TrainingProgress(
        total_steps=4, initial_step=1, enabled=True, quiet=False, stream=stream, refresh_interval=0
    )
    progress.advance()
    progress.show_training(loss=0.5, examples_per_s=1234.0, lr=0.001)
    progress.advance()
    progress.close()
    text = stream.getvalue()
    assert "3/4" in text and "loss=0.5" in text and "ex_s=1234" in text and "<" in text  # tqdm's ETA: elapsed<left


def test_no_bar_when_not_a_terminal_but_evaluations_are_printed():
    stream = io.StringIO()
    progress = TrainingProgress(total_steps=4, initial_step=0, enabled=True, quiet=False, stream=stream)
    progress.advance()
    progress.show_evaluation(step=1, epoch=0.25, split="validation", metrics={"accuracy": 0.123456})
    progress.close()
    assert stream.getvalue() == "step 1 (epoch 0.25) validation: accuracy=0.1235\n"


def test_quiet_prints_nothing_even_on_a_terminal():
    stream = Terminal()
    progress = TrainingProgress(total_steps=4, initial_step=0, enabled=True, quiet=True, stream=stream)
    progress.advance()
    progress.show_evaluation(step=1, epoch=1.0, split="validation", metrics={"accuracy": 1.0})
    progress.message("hello")
    progress.close()
    assert stream.getvalue() == ""


def test_summary_tables_align_columns_under_a_header():
    assert format_table([["accuracy", 0.91234], ["f1_macro", 1]], header=["metric", "value"]).splitlines() == [
        "metric    value",
        "--------  ------",
        "accuracy  0.9123",
        "f1_macro  1",
    ]
