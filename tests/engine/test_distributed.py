"""DDP under torchrun: two CPU processes (gloo) train to the weights of one process with the same global batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from openzoo.engine.rundir import read_metrics

SCRIPT = Path(__file__).parent / "ddp_train.py"
#: Two ranks average two half-batch gradients where one process takes the mean of the whole batch:
#: equal up to float32 rounding, accumulated over 10 AdamW steps.
ATOL = 1e-5


@pytest.mark.slow
def test_two_cpu_processes_match_one_process_with_the_same_global_batch(train_run, tmp_path):
    settings = {"epochs": 2, "options": {"dataset.size": 60, "dropout": 0.0}}  # no dropout: ranks draw equal masks
    single = train_run("single", batch_size=8, **settings)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(SCRIPT)]
    done = subprocess.run(
        [*command, str(tmp_path / "ddp"), json.dumps({**settings, "batch_size": 4})],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    ddp = tmp_path / "ddp"
    assert json.loads((ddp / "config.json").read_text())["world_size"] == 2
    one, two = load_file(str(single.path / "model/model.safetensors")), load_file(str(ddp / "model/model.safetensors"))
    for key in one:
        torch.testing.assert_close(two[key], one[key], atol=ATOL, rtol=0)
        assert not torch.equal(one[key], torch.zeros_like(one[key]))
    evaluations = lambda path: [r for r in read_metrics(path / "metrics.jsonl") if "split" in r]  # noqa: E731
    for a, b in zip(evaluations(single.path), evaluations(ddp), strict=True):
        assert a["step"] == b["step"]
        assert a["metrics"] == pytest.approx(b["metrics"], abs=1e-6)  # reduced across both ranks' shards
    losses = lambda path: [r["loss"] for r in read_metrics(path / "metrics.jsonl") if "loss" in r]  # noqa: E731
    assert losses(ddp) == pytest.approx(losses(single.path), abs=1e-5)
