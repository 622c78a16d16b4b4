"""``openzoo train``, ``openzoo evaluate`` and ``openzoo predict``: parse, call the engine, render.

Each command calls one function of :mod:`openzoo.engine.api` (imported inside
the command, so ``--help`` never imports torch) and renders its result: tables
on stdout, JSON with ``--json``, messages and progress on stderr.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import click

from openzoo import exitcodes
from openzoo.cli.completion import (
    complete_datasets,
    complete_devices,
    complete_loggers,
    complete_metrics,
    complete_models,
    complete_run_dirs,
)
from openzoo.specs import PRECISIONS

__all__ = ["evaluate", "predict", "train"]

_SCHEDULES = ("linear", "cosine", "constant")
_WORKERS_HELP = "DataLoader worker processes: a number, or auto (up to 4, one CPU left to the loop; default 0)."
_COMPILE_HELP = "Run the model through torch.compile (models declaring the torch_compile capability)."


class WorkersType(click.ParamType):
    """``--workers``: ``auto`` or an int of 0 or more."""

    name = "N|auto"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.strip().lower() == "auto":
            return "auto"
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not 'auto' or a number of worker processes, like 2", param, ctx)
        if number < 0:
            self.fail(f"{value!r} is below 0; give 0 (load in the training process), a number or auto", param, ctx)
        return number


_OPTION_HELP = "Model or dataset option KEY=VALUE (repeatable); prefix model. or dataset. when both declare KEY."


def _registry() -> Any:
    from openzoo.cli import context_registry

    return context_registry(click.get_current_context())


def _assignments(items: Sequence[str]) -> dict[str, str]:
    from openzoo.engine.options import parse_assignments

    return parse_assignments(items)


def _is_main_process() -> bool:
    return os.environ.get("RANK", "0") in ("", "0")


def _table(rows: Sequence[Sequence[Any]], header: Sequence[str] | None = None) -> str:
    from openzoo.engine.progress import format_table

    return format_table(rows, header)


@click.command()
@click.argument("model", required=False, metavar="[MODEL[.PRESET]]", shell_complete=complete_models)
@click.option("--dataset", "-d", help="Dataset to train on (openzoo list datasets).", shell_complete=complete_datasets)
@click.option("--preset", help="Model preset (default: the model's default preset).")
@click.option("--from-pretrained", metavar="PATH_OR_ID", help="Start from these weights instead of a preset.")
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    metavar="NAME[@K]",
    help="Metric to evaluate (repeatable).",
    shell_complete=complete_metrics,
)
@click.option(
    "--select-metric",
    metavar="NAME[@K]",
    help="Metric that selects the best checkpoint.",
    shell_complete=complete_metrics,
)
@click.option("--device", help="auto (default), cpu, cuda, mps or a plugin's device.", shell_complete=complete_devices)
@click.option("--precision", type=click.Choice(PRECISIONS), help="Autocast precision (default fp32).")
@click.option("--epochs", type=int, help="Passes over the training split.")
@click.option("--max-steps", type=int, help="Optimizer steps in total (instead of --epochs).")
@click.option("--batch-size", type=int, help="Examples per batch on each process.")
@click.option("--grad-accum", type=int, help="Batches accumulated into one optimizer step.")
@click.option("--lr", type=float, help="Peak learning rate of AdamW.")
@click.option("--warmup-ratio", type=float, help="Fraction of steps warming the learning rate up.")
@click.option("--weight-decay", type=float, help="AdamW weight decay.")
@click.option("--max-grad-norm", type=float, help="Gradient clipping norm (0 turns clipping off; default 1).")
@click.option("--schedule", type=click.Choice(_SCHEDULES), help="Learning-rate decay after warmup.")
@click.option(
    "--eval-every", type=int, metavar="N", help="Evaluate and checkpoint every N steps (default: each epoch)."
)
@click.option("--log-every", type=int, metavar="N", help="Log the training loss every N steps (default 10).")
@click.option("--seed", type=int, help="Seed of python, numpy, torch and the device (default 0).")
@click.option("--workers", type=WorkersType(), help=_WORKERS_HELP)
@click.option("--compile", "compile", is_flag=True, default=None, help=_COMPILE_HELP)
@click.option("--out", metavar="RUN_DIR", help="Run directory to create (default runs/MODEL-DATASET-TIME).")
@click.option(
    "--resume",
    metavar="RUN_DIR",
    help="Continue a run from its last checkpoint (or extend a finished one).",
    shell_complete=complete_run_dirs,
)
@click.option(
    "--logger",
    "loggers",
    multiple=True,
    metavar="NAME",
    shell_complete=complete_loggers,
    help="Also log to csv, tensorboard, mlflow or a plugin's logger (repeatable; metrics.jsonl is always written).",
)
@click.option(
    "--config",
    "config_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="YAML or TOML file of these options (and -o options under 'options'); flags override it.",
)
@click.option("--print-config", is_flag=True, help="Print the complete resolved config as YAML and exit.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no messages.")
@click.option("-o", "--option", "options", multiple=True, metavar="KEY=VALUE", help=_OPTION_HELP)
def train(
    model: str | None,
    metrics: tuple[str, ...],
    options: tuple[str, ...],
    loggers: tuple[str, ...],
    quiet: bool,
    config_file: str | None,
    print_config: bool,
    **flags: Any,
) -> None:
    """Train MODEL on a dataset into a run directory.

    \b
    Examples:
      openzoo train vit --dataset digits --epochs 3
      openzoo train bert.tiny -d toy-sentiment --max-steps 50 -o dropout=0.2
      openzoo train --resume runs/vit-digits-20250101-120000
      openzoo train --resume runs/vit-digits-20250101-120000 --epochs 6   (extend it)
      openzoo train vit -d digits --print-config > run.yaml
      openzoo train --config run.yaml --lr 5e-4 --logger tensorboard
      torchrun --nproc_per_node=2 -m openzoo train vit -d digits   (DDP)
    """
    from openzoo.engine import api
    from openzoo.engine.config_files import complete_config, read_config_file
    from openzoo.engine.interrupt import Terminated, terminate_raises

    given = {"model": model, "metrics": list(metrics) or None, "loggers": list(loggers) or None, **flags}
    values, sources = dict(given), {k: "flag" for k, v in given.items() if v is not None}
    cli_options = _assignments(options)
    merged_options = dict(cli_options)
    sources.update({f"options.{k}": "flag" for k in cli_options})
    if config_file:
        from_file = read_config_file(config_file)
        for key, value in from_file.items():
            if key != "options" and values.get(key) is None and value is not None:
                values[key] = value
                sources[key] = f"config:{config_file}"
        file_options = from_file.get("options") or {}
        merged_options = {**file_options, **cli_options}
        sources.update({f"options.{k}": f"config:{config_file}" for k in file_options if k not in cli_options})
    registry = _registry()
    if print_config:
        import yaml

        complete = complete_config(registry, {**values, "options": merged_options})
        click.echo(yaml.safe_dump(complete, sort_keys=False, allow_unicode=True), nl=False)
        return
    try:
        with terminate_raises():
            run = api.train(
                values.pop("model"),
                values.pop("dataset"),
                options=merged_options,
                quiet=quiet,
                registry=registry,
                command=["openzoo", *sys.argv[1:]],
                sources=sources,
                **values,
            )
    except (api.TrainingInterrupted, Terminated) as exc:
        if _is_main_process():
            click.echo(f"\n{exc}", err=True)
        raise click.exceptions.Exit(128 + exc.signum) from None
    except api.TrainingDiverged as exc:
        if _is_main_process():
            click.echo(f"Error: {exc}", err=True)
        raise click.exceptions.Exit(exitcodes.DIVERGED) from None
    if not _is_main_process():
        return
    rows: list[list[Any]] = [["run", str(run.path)], ["steps", run.steps], ["epochs", run.epochs]]
    if run.best:
        rows.append(["best", f"{run.best['metric']}={run.best['value']:.4g} (step {run.best['step']})"])
    rows += [[key, value] for key, value in run.metrics.items()]
    shown = ("train_s", "eval_s", "checkpoint_s")
    parts = [f"{k.removesuffix('_s')} {run.timings[k]:.1f}s" for k in shown if k in run.timings]
    if "train_s" in run.timings and "data_wait_fraction" in run.timings:  # near 0: never waits for data
        parts[0] += f" ({run.timings['data_wait_fraction']:.0%} of it waiting for data)"
    times = ", ".join(parts)
    rows.append(["time", times])
    click.echo(_table(rows))
    if not quiet:
        click.echo(f"Model saved in {run.path / 'model'}; try: openzoo predict {run.path} INPUT", err=True)


@click.command()
@click.argument("target", metavar="RUN_DIR|MODEL", shell_complete=complete_run_dirs)
@click.option(
    "--dataset", "-d", help="Dataset (default: the run's dataset, with its options).", shell_complete=complete_datasets
)
@click.option("--split", default="test", show_default=True, help="Split to evaluate.")
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    metavar="NAME[@K]",
    help="Metric (repeatable).",
    shell_complete=complete_metrics,
)
@click.option("--preset", help="Preset, when TARGET is a model name.")
@click.option("--from-pretrained", metavar="PATH_OR_ID", help="Weights, when TARGET is a model name.")
@click.option("--device", help="auto (default), cpu, cuda, mps or a plugin's device.", shell_complete=complete_devices)
@click.option("--precision", type=click.Choice(PRECISIONS), help="Autocast precision (default fp32).")
@click.option("--batch-size", type=int, help="Examples per batch (default: the run's).")
@click.option("--workers", type=WorkersType(), help=_WORKERS_HELP)
@click.option("--compile", "compile", is_flag=True, help=_COMPILE_HELP)
@click.option("-o", "--option", "options", multiple=True, metavar="KEY=VALUE", help=_OPTION_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
def evaluate(target: str, metrics: tuple[str, ...], options: tuple[str, ...], as_json: bool, **flags: Any) -> None:
    """Evaluate a run directory (or a fresh MODEL) on a dataset split.

    \b
    Examples:
      openzoo evaluate runs/vit-digits-20250101-120000
      openzoo evaluate runs/vit-digits-20250101-120000 --split validation --json
      openzoo evaluate vit.tiny --dataset digits          (an untrained baseline)
    """
    from openzoo.engine import api

    results = api.evaluate(
        target,
        flags.pop("dataset"),
        flags.pop("split"),
        list(metrics) or None,
        options=_assignments(options),
        registry=_registry(),
        **flags,
    )
    if as_json:
        click.echo(json.dumps(results, indent=2))
        return
    click.echo(_table([[k, v] for k, v in results.items()], header=["metric", "value"]))


@click.command()
@click.argument("run_dir", metavar="RUN_DIR", shell_complete=complete_run_dirs)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--option", "options", multiple=True, metavar="KEY=VALUE", help="Predict option (top_k=3 ...).")
@click.option("--device", help="auto (default), cpu, cuda, mps or a plugin's device.", shell_complete=complete_devices)
@click.option("--precision", type=click.Choice(PRECISIONS), help="Autocast precision (default fp32).")
@click.option("--compile", "compile", is_flag=True, help=_COMPILE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON record per input (a JSON list).")
def predict(
    run_dir: str,
    inputs: tuple[str, ...],
    options: tuple[str, ...],
    as_json: bool,
    device: str | None,
    precision: str | None,
    compile: bool,
) -> None:
    """Run a trained model on raw INPUTs: image paths, texts, prompts or user ids.

    \b
    Examples:
      openzoo predict runs/vit-digits-20250101-120000 digit.png -o top_k=3
      openzoo predict runs/bert-reviews "a gripping, funny film" --json
      openzoo predict runs/gpt-shakespeare "To be, or not" -o max_new_tokens=40
    """
    from openzoo.engine import api
    from openzoo.engine.prediction import can_stream, check_texts

    assignments = _assignments(options)
    loaded = api.load(run_dir, device=device, precision=precision, compile=compile, registry=_registry())
    if not as_json and can_stream(loaded):
        for prompt in inputs:
            pieces = iter(api.stream(loaded, prompt, **assignments))
            first = next(pieces, "")  # a bad prompt or option fails here, before anything is printed
            click.echo(prompt + first, nl=False)
            for piece in pieces:
                click.echo(piece, nl=False)
            click.echo()
        return
    check_texts(inputs)  # bytes that are not UTF-8, from the terminal or a file, are refused before predicting
    records = api.predict(loaded, list(inputs), **assignments)
    if as_json:
        click.echo(json.dumps(records, indent=2, default=str))
        return
    click.echo(render_records(inputs, records))


def _score(value: Any) -> Any:
    return f"{value:.4f}" if isinstance(value, float) else value


def render_records(inputs: Sequence[str], records: Sequence[Mapping[str, Any]]) -> str:
    """Render predict records as text: a label table, ranked items, generated text, or JSON lines."""
    if records and all("label" in r for r in records):
        rows = []
        for text, r in zip(inputs, records):
            ranked = r.get("top_k") or [{"label": r["label"], "score": r.get("score", "")}]
            if not r.get("top_k") and isinstance(r.get("scores"), Mapping):  # text classification: every label
                ranked = sorted(({"label": k, "score": v} for k, v in r["scores"].items()), key=lambda e: -e["score"])
            for rank, entry in enumerate(ranked, 1):
                rows.append([text if rank == 1 else "", rank, entry["label"], _score(entry.get("score", ""))])
        return _table(rows, header=["input", "rank", "label", "probability"])
    if records and all("items" in r for r in records):
        blocks = []
        for text, record in zip(inputs, records):
            rows = [[i + 1, item.get("item"), item.get("score")] for i, item in enumerate(record["items"])]
            blocks.append(f"user {record.get('user', text)}\n" + _table(rows, header=["rank", "item", "score"]))
        return "\n\n".join(blocks)
    if records and all("text" in r for r in records):
        return "\n".join(f"{r.get('prompt', text)}{r['text']}" for text, r in zip(inputs, records))
    return "\n".join(json.dumps(r, default=str) for r in records)
