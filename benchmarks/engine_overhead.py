"""How much the engine costs over plain PyTorch: training steps and predict, side by side in one run.

Training: the engine's loop (``openzoo.train``: autocast context, accumulation bookkeeping,
clipping, scheduler, loss logging, interrupt checks, progress) against a hand-written loop
doing the same work on the same model, batches and optimizer (AdamW + linear decay + clipping).
The engine's figure is its own step-loop time (``Run.timings["train_s"]``: without setup,
evaluation and checkpoint writing, which a hand loop does not do either).

Predict: ``openzoo.predict(loaded_run, inputs)`` against calling ``model.predict(inputs)``
directly, and against the bare ``module(**collate(...))`` forward.

Target: engine / plain <= 1.05x. Run: ``python benchmarks/engine_overhead.py [--steps N] [--repeats R]``.
The model and dataset are defined here and registered as an in-process plugin.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn import functional as F

from openzoo import DatasetSpec, ModelSpec, Option, Preset, SplitSource, hookimpl

LABELS = [str(i) for i in range(10)]
SIZE = (16, 16)


# -- the benchmark's plugin: a small MLP image classifier and a random dataset ------------------


class BenchModule(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(SIZE[0] * SIZE[1], hidden), nn.ReLU(), nn.Linear(hidden, len(LABELS)))

    def forward(self, pixel_values: torch.Tensor, labels: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        logits = self.net(pixel_values)
        return {"logits": logits, **({"loss": F.cross_entropy(logits, labels)} if labels is not None else {})}


class BenchModel:
    def __init__(self, hidden: int) -> None:
        self.hidden = hidden
        self.module = BenchModule(hidden)

    @classmethod
    def create(cls, *, config: Any, dataset: Any = None, pretrained: str | None = None) -> BenchModel:
        return cls(int(config["hidden"]))

    @classmethod
    def load(cls, directory: Any) -> BenchModel:
        meta = json.loads((Path(directory) / "config.json").read_text())
        model = cls(meta["hidden"])
        model.module.load_state_dict(load_file(str(Path(directory) / "model.safetensors")))
        return model

    def save(self, directory: Any) -> None:
        save_file(
            {k: v.contiguous() for k, v in self.module.state_dict().items()}, str(Path(directory) / "model.safetensors")
        )
        (Path(directory) / "config.json").write_text(json.dumps({"hidden": self.hidden}))

    def collate(self, examples: Any) -> dict[str, torch.Tensor]:
        pixels = torch.from_numpy(np.stack([e["image"] for e in examples]).reshape(len(examples), -1)).float() / 255
        batch = {"pixel_values": pixels}
        if all("label" in e for e in examples):
            batch["labels"] = torch.tensor([e["label"] for e in examples])
        return batch

    def predict(self, inputs: Any, top_k: int = 1) -> list[dict[str, Any]]:
        batch = self.collate([{"image": x} for x in inputs])
        with torch.no_grad():
            probabilities = self.module(pixel_values=batch["pixel_values"])["logits"].softmax(-1)
        scores, indices = probabilities.max(-1)
        return [{"label": LABELS[i], "score": float(s)} for s, i in zip(scores.tolist(), indices.tolist())]


def bench_data(size: int = 8192) -> SplitSource:
    rng = np.random.default_rng(0)
    examples = [
        {"image": rng.integers(0, 256, SIZE, dtype=np.uint8), "label": int(rng.integers(len(LABELS)))}
        for _ in range(size)
    ]
    return SplitSource({"train": examples}, info={"labels": LABELS})


@hookimpl
def openzoo_models() -> list[ModelSpec]:
    preset = Preset("bench", "benchmark size", config={"hidden": 256})
    return [
        ModelSpec(
            "bench-mlp",
            "image-classification",
            "A 256-unit MLP over 16x16 pixels.",
            "__main__:BenchModel",
            (preset,),
            predict_options=(Option("top_k", "int", 1),),
        )
    ]


@hookimpl
def openzoo_datasets() -> list[DatasetSpec]:
    return [
        DatasetSpec(
            "bench-random", "image-classification", "Random 16x16 images.", "__main__:bench_data", splits=("train",)
        )
    ]


# -- measurements -------------------------------------------------------------------------------


def plain_loop(steps: int, batch_size: int, lr: float) -> tuple[float, float]:
    """A hand-written loop: same model init, batches, AdamW, linear decay and clipping.

    :returns: (wall, CPU) seconds of the loop.
    """
    from torch.utils.data import DataLoader, DistributedSampler

    torch.manual_seed(0)
    source = bench_data()
    examples = source.load("train")
    model = BenchModel(256)
    module = model.module
    module.train()
    optimizer = torch.optim.AdamW(
        [
            {"params": [p for p in module.parameters() if p.ndim >= 2], "weight_decay": 0.0},
            {"params": [p for p in module.parameters() if p.ndim < 2], "weight_decay": 0.0},
        ],
        lr=lr,
    )
    scheduler = torch.optim.lr_scheduler.LinearLR(optimizer, 1.0, 0.0, total_iters=steps)
    sampler = DistributedSampler(range(len(examples)), num_replicas=1, rank=0, shuffle=True, seed=0)
    sampler.set_epoch(0)
    indices = list(sampler)
    batches = [indices[i : i + batch_size] for i in range(0, len(indices), batch_size)][:steps]
    loader = DataLoader(examples, batch_sampler=batches, collate_fn=model.collate)
    started = time.perf_counter(), time.process_time()
    for batch in loader:
        loss = module(**batch)["loss"]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
    return time.perf_counter() - started[0], time.process_time() - started[1]


def engine_loop(registry: Any, steps: int, batch_size: int, lr: float, out: Path) -> tuple[tuple[float, float], Any]:
    """Train through ``openzoo.train``; return the (wall, CPU) seconds of its step loop and the run."""
    from openzoo.engine import api

    run = api.train(
        "bench-mlp",
        "bench-random",
        max_steps=steps,
        batch_size=batch_size,
        lr=lr,
        out=out,
        quiet=True,
        log_every=10,
        registry=registry,
    )
    return (run.timings["train_s"], run.timings["train_cpu_s"]), run


def timed(function: Any) -> tuple[float, float]:
    """Return the (wall, CPU) seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 keeps a shared machine steady)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from openzoo.engine import api
    from openzoo.plugins import PluginSource, load_registry

    source = PluginSource("bench", "openzoo-bench", "0", lambda: importlib.import_module("__main__"))
    registry = load_registry(sources=[source], strict=True)
    lr = 1e-3
    engine_times, plain_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        engine_loop(registry, 5, args.batch_size, lr, Path(tmp) / "warmup")  # first-call costs
        plain_loop(5, args.batch_size, lr)
        for repeat in range(args.repeats):  # interleaved, alternating order: drifting load hits both alike
            if repeat % 2:
                plain_times.append(plain_loop(args.steps, args.batch_size, lr))
            seconds, run = engine_loop(registry, args.steps, args.batch_size, lr, Path(tmp) / f"run{repeat}")
            engine_times.append(seconds)
            if not repeat % 2:
                plain_times.append(plain_loop(args.steps, args.batch_size, lr))
        loaded = api.load(run, registry=registry)
        inputs = [e["image"] for e in bench_data(256).load("train")]
        model = loaded.model
        batch = model.collate([{"image": x} for x in inputs])

        def bare_forward() -> None:
            with torch.no_grad():
                model.module(**batch)

        for function in (lambda: api.predict(loaded, inputs), lambda: model.predict(inputs), bare_forward):
            function()
        predict_engine, predict_direct, forward_only = [], [], []
        for _ in range(args.repeats * 10):  # interleaved, like the training runs
            predict_engine.append(timed(lambda: api.predict(loaded, inputs)))
            predict_direct.append(timed(lambda: model.predict(inputs)))
            forward_only.append(timed(bare_forward))

    print(
        f"torch {torch.__version__}, {args.threads} thread(s), batch {args.batch_size}, {args.steps} steps; "
        f"best of {args.repeats} training runs and of {args.repeats * 10} predict calls"
    )
    print(f"{'':<30} {'wall':>9} {'CPU':>9}  {'unit':<14} {'wall ratio':>10} {'CPU ratio':>10}")
    rows = [
        ("train: engine step loop", engine_times, plain_times, args.steps, "ms/step"),
        ("train: hand-written loop", plain_times, plain_times, args.steps, "ms/step"),
        ("predict: openzoo.predict", predict_engine, predict_direct, 1, "ms/256 inputs"),
        ("predict: model.predict", predict_direct, predict_direct, 1, "ms/256 inputs"),
        ("predict: module forward only", forward_only, predict_direct, 1, "ms/256 inputs"),
    ]
    ratios = {}
    for name, times, baseline, per, unit in rows:
        wall, cpu = min(t[0] for t in times), min(t[1] for t in times)
        wall_ratio = wall / min(t[0] for t in baseline)
        cpu_ratio = cpu / min(t[1] for t in baseline)
        ratios[name] = (wall_ratio, cpu_ratio)
        print(
            f"{name:<30} {wall * 1e3 / per:9.3f} {cpu * 1e3 / per:9.3f}  {unit:<14} {wall_ratio:9.3f}x {cpu_ratio:9.3f}x"
        )
    train, predict = ratios["train: engine step loop"], ratios["predict: openzoo.predict"]
    verdict = "meets" if max(train[1], predict[1]) <= 1.05 else "MISSES"
    print(
        f"engine/plain CPU time: train {train[1]:.3f}x, predict {predict[1]:.3f}x ({verdict} the <= 1.05x target); "
        f"wall clock: train {train[0]:.3f}x, predict {predict[0]:.3f}x (on a busy machine wall time is noisy)"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
