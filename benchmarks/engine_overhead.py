"""How much the engine costs over plain PyTorch: training steps and predict, side by side in one run.

Training: the engine's loop (``openzoo.train``: autocast context, accumulation bookkeeping,
clipping, scheduler, loss logging, interrupt checks, progress) against a hand-written loop
doing the same work on the same model, batches and optimizer (AdamW + linear decay + clipping).
The engine's figure is its own step-loop time (``Run.timings["train_s"]``: without setup,
evaluation and checkpoint writing, which a hand loop does not do either).

Predict: ``openzoo.predict(loaded_run, inputs)`` against calling ``model.predict(inputs)``
directly, and against the bare ``module(**collate(...))`` forward.

Both loops run the same number of optimizer steps over the same epochs (128 batches of 64 per epoch:
the default 300 steps cross two epoch boundaries, where the engine rebuilds its batches and loader
like the hand loop does). The engine's per-epoch checkpoint is outside its step-loop time.

Statistic: runs are paired (engine and plain back to back, alternating which goes first) and a
process's ratio is the median of its per-pair ratios, so load that drifts hits both sides of a pair
alike. The measurement is repeated in ``--processes`` fresh processes and the median over processes
is reported, with every process's figure: on a shared virtual machine one process's ratio moves by
several percent either way, more than repetition within a process averages out (the default 10 x 9
pairs take about three minutes; 5 x 7 pairs of the same code gave medians from 1.04 to 1.07). The row "hand-written
loop again" is the same hand loop run a second time in each pair, an A/A comparison: how far from
1.000 it lands is the noise floor of that run. Target: engine / plain <= 1.05x, judged on CPU time.
Run: ``python benchmarks/engine_overhead.py [--steps N] [--repeats R] [--processes P] [--json FILE]``.
The model and dataset are defined here and registered as an in-process plugin.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
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
            f"{__name__}:BenchModel",
            (preset,),
            predict_options=(Option("top_k", "int", 1),),
        )
    ]


@hookimpl
def openzoo_datasets() -> list[DatasetSpec]:
    return [
        DatasetSpec(
            "bench-random", "image-classification", "Random 16x16 images.", f"{__name__}:bench_data", splits=("train",)
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
    wall = cpu = 0.0
    done, epoch = 0, 0
    while done < steps:  # epoch after epoch, like the engine: a new shuffle and loader each epoch
        sampler.set_epoch(epoch)
        indices = list(sampler)
        batches = [indices[i : i + batch_size] for i in range(0, len(indices), batch_size)][: steps - done]
        loader = DataLoader(examples, batch_sampler=batches, collate_fn=model.collate)
        started = time.perf_counter(), time.process_time()
        for batch in loader:
            loss = module(**batch)["loss"]
            loss.backward()
            torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
        wall += time.perf_counter() - started[0]
        cpu += time.process_time() - started[1]
        done += len(batches)
        epoch += 1
    if scheduler.last_epoch != steps:  # one scheduler step per optimizer step
        raise SystemExit(f"the hand-written loop took {scheduler.last_epoch} steps instead of {steps}")
    return wall, cpu


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


ROWS = (
    # (name, unit, divide the time by the number of steps)
    ("train: engine step loop", "ms/step", True),
    ("train: hand-written loop", "ms/step", True),
    ("train: hand-written loop again", "ms/step", True),
    ("predict: openzoo.predict", "ms/256 inputs", False),
    ("predict: model.predict", "ms/256 inputs", False),
    ("predict: module forward only", "ms/256 inputs", False),
)


def measure(steps: int, batch_size: int, repeats: int) -> dict[str, dict[str, float]]:
    """Measure in this process: per row, median wall/CPU milliseconds and median paired ratios."""
    from openzoo.engine import api
    from openzoo.plugins import PluginSource, load_registry

    source = PluginSource("bench", "openzoo-bench", "0", lambda: sys.modules[__name__])
    registry = load_registry(sources=[source], strict=True)
    lr = 1e-3
    engine_times, plain_times, again_times = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        engine_loop(registry, 5, batch_size, lr, Path(tmp) / "warmup")  # first-call costs
        plain_loop(5, batch_size, lr)
        for repeat in range(repeats):  # paired, alternating which goes first: drifting load hits both alike
            if repeat % 2:
                plain_times.append(plain_loop(steps, batch_size, lr))
            seconds, run = engine_loop(registry, steps, batch_size, lr, Path(tmp) / f"run{repeat}")
            if run.steps != steps:
                raise SystemExit(f"the engine took {run.steps} steps instead of {steps}")
            engine_times.append(seconds)
            if not repeat % 2:
                plain_times.append(plain_loop(steps, batch_size, lr))
            again_times.append(plain_loop(steps, batch_size, lr))  # the A/A pair: the noise floor
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
        for call in range(repeats * 10):  # paired and alternating, like the training runs
            if call % 2:
                predict_direct.append(timed(lambda: model.predict(inputs)))
            predict_engine.append(timed(lambda: api.predict(loaded, inputs)))
            if not call % 2:
                predict_direct.append(timed(lambda: model.predict(inputs)))
            forward_only.append(timed(bare_forward))
    series = {
        "train: engine step loop": (engine_times, plain_times),
        "train: hand-written loop": (plain_times, plain_times),
        "train: hand-written loop again": (again_times, plain_times),
        "predict: openzoo.predict": (predict_engine, predict_direct),
        "predict: model.predict": (predict_direct, predict_direct),
        "predict: module forward only": (forward_only, predict_direct),
    }
    result = {}
    for name, _, per_step in ROWS:
        times, baseline = series[name]
        per = steps if per_step else 1
        result[name] = {
            "wall_ms": statistics.median(t[0] for t in times) * 1e3 / per,
            "cpu_ms": statistics.median(t[1] for t in times) * 1e3 / per,
            "wall": statistics.median(t[0] / b[0] for t, b in zip(times, baseline, strict=True)),
            "cpu": statistics.median(t[1] / b[1] for t, b in zip(times, baseline, strict=True)),
        }
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="optimizer steps per training run")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=9, help="paired runs of the two loops in each process")
    parser.add_argument("--processes", type=int, default=10, help="fresh processes measuring one after another")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 keeps a shared machine steady)")
    parser.add_argument("--json", dest="json_path", help="also write the measurements to this JSON file")
    parser.add_argument("--worker-json", help=argparse.SUPPRESS)  # one process's measurement (internal)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.worker_json:
        result = measure(args.steps, args.batch_size, args.repeats)
        Path(args.worker_json).write_text(json.dumps(result), encoding="utf-8")
        return

    per_process = []
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(args.processes):
            out = Path(tmp) / f"process{index}.json"
            command = [sys.executable, __file__, "--worker-json", str(out)]
            command += ["--steps", str(args.steps), "--batch-size", str(args.batch_size)]
            command += ["--repeats", str(args.repeats), "--threads", str(args.threads)]
            subprocess.run(command, check=True)
            per_process.append(json.loads(out.read_text(encoding="utf-8")))

    print(
        f"torch {torch.__version__}, {args.threads} thread(s), batch {args.batch_size}, {args.steps} steps; "
        f"{args.processes} processes x {args.repeats} paired training runs and x {args.repeats * 10} paired "
        "predict calls; medians over processes of each process's median"
    )
    print(f"{'':<30} {'wall':>9} {'CPU':>9}  {'unit':<14} {'wall ratio':>10} {'CPU ratio':>10}  CPU ratio per process")
    ratios = {}
    for name, unit, _ in ROWS:
        rows = [p[name] for p in per_process]
        summary = {key: statistics.median(r[key] for r in rows) for key in ("wall_ms", "cpu_ms", "wall", "cpu")}
        ratios[name] = summary
        spread = " ".join(f"{r['cpu']:.3f}" for r in rows)
        print(
            f"{name:<30} {summary['wall_ms']:9.3f} {summary['cpu_ms']:9.3f}  {unit:<14} "
            f"{summary['wall']:9.3f}x {summary['cpu']:9.3f}x  {spread}"
        )
    train, predict = ratios["train: engine step loop"], ratios["predict: openzoo.predict"]
    verdict = "meets" if max(train["cpu"], predict["cpu"]) <= 1.05 else "MISSES"
    print(
        f"engine/plain CPU time: train {train['cpu']:.3f}x, predict {predict['cpu']:.3f}x ({verdict} the <= 1.05x "
        f"target); wall clock: train {train['wall']:.3f}x, predict {predict['wall']:.3f}x"
    )
    sys.stdout.flush()
    if args.json_path:
        report = {
            "torch": torch.__version__,
            "threads": args.threads,
            "steps": args.steps,
            "batch_size": args.batch_size,
            "repeats": args.repeats,
            "processes": args.processes,
            "ratios": {name: {"wall": r["wall"], "cpu": r["cpu"]} for name, r in ratios.items()},
            "per_process": per_process,
            "meets_target": verdict == "meets",
        }
        Path(args.json_path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
