"""Under torch.distributed (gloo, two CPU processes) every rank computes the value of the whole split."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import pytest
import torch

WORKER = textwrap.dedent(
    """
    import json, sys
    import torch
    import torch.distributed as dist
    from openzoo.plugins import load_registry

    def take(tree, index):
        if isinstance(tree, torch.Tensor):
            return tree[index]
        return {key: take(value, index) for key, value in tree.items()}

    directory, rank = sys.argv[1], int(sys.argv[2])
    dist.init_process_group("gloo", rank=rank, world_size=2)
    registry = load_registry(sources=[], environ={})
    cases = torch.load(f"{directory}/inputs.pt", weights_only=True)
    values = {}
    for name, (info, outputs, batch) in cases.items():
        metric = registry.resolve(registry.metric(name))(info)
        rows = torch.arange(rank, batch[next(iter(batch))].shape[0], 2)  # uneven shards: 12 and 11 rows
        metric.update(take(outputs, rows), take(batch, rows))
        values[name] = metric.compute()
    with open(f"{directory}/rank{rank}.json", "w") as handle:
        json.dump(values, handle)
    dist.destroy_process_group()
    """
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_each_rank_computes_the_metric_of_all_ranks_examples(tmp_path, new_metric, metric_inputs):
    names = ("accuracy", "f1_macro", "perplexity", "bits_per_char", "rmse", "mae", "hr", "ndcg")
    cases, expected = {}, {}
    for name in names:
        outputs, batch = metric_inputs(name, 23, 11)
        metric = new_metric(name)
        metric.update(outputs, batch)
        expected[name] = metric.compute()
        info = {"labels": ["ant", "bee", "cat", "dog", "eel"]} if name in ("accuracy", "f1_macro") else {}
        cases[name] = (info, outputs, batch)
    torch.save(cases, tmp_path / "inputs.pt")
    (tmp_path / "worker.py").write_text(WORKER)
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port()), "OMP_NUM_THREADS": "1"}
    workers = [
        subprocess.Popen(
            [sys.executable, str(tmp_path / "worker.py"), str(tmp_path), str(rank)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for rank in range(2)
    ]
    try:
        for worker in workers:
            output, _ = worker.communicate(timeout=300)
            assert worker.returncode == 0, output
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    for rank in range(2):
        values = json.loads((tmp_path / f"rank{rank}.json").read_text())
        for name in names:
            assert values[name] == pytest.approx(expected[name], rel=1e-5), (rank, name)
