"""The Python API: :func:`train`, :func:`evaluate`, :func:`predict` and :func:`load`.

They mirror ``openzoo train``, ``evaluate`` and ``predict`` (the CLI calls them)
and are re-exported by :mod:`openzoo`::

    import openzoo

    run = openzoo.train("vit.tiny", "digits", epochs=2, out="runs/vit")
    print(run.metrics, run.best)
    openzoo.evaluate(run, split="test")                # -> {"accuracy": 0.97, "f1_macro": 0.97}
    openzoo.predict(run, ["digit.png"], top_k=3)       # -> [{"label": "7", "score": 0.9, ...}]
    loaded = openzoo.load("runs/vit")                  # .model, .spec, .config, .predict(...)

Every function takes ``registry=`` (default: :func:`openzoo.plugins.default_registry`),
raises :class:`~openzoo.BadInputError` for bad input, and names components the
way the CLI does (``arch`` or ``arch.preset``, ``metric`` or ``metric@k``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from openzoo.engine import components as comp
from openzoo.engine.evaluation import evaluate_examples
from openzoo.engine.failures import ResourceError, TrainingDiverged
from openzoo.engine.interrupt import TrainingInterrupted
from openzoo.engine.loading import LoadedRun, build_model, compile_loaded, load_run, looks_like_path
from openzoo.engine.options import route_options
from openzoo.engine.prediction import predict_records, stream_text
from openzoo.engine.runconfig import check_resume_request
from openzoo.engine.rundir import RunDir
from openzoo.engine.settings import resolve_workers
from openzoo.engine.training import Run, resume_training, start_training
from openzoo.errors import BadInputError, UnknownNameError
from openzoo.plugins import Registry, default_registry

__all__ = [
    "LoadedRun",
    "ResourceError",
    "Run",
    "TrainingDiverged",
    "TrainingInterrupted",
    "evaluate",
    "load",
    "predict",
    "stream",
    "train",
]


def train(
    model: str | None = None,
    dataset: str | None = None,
    *,
    preset: str | None = None,
    from_pretrained: str | None = None,
    metrics: Sequence[str] | None = None,
    select_metric: str | None = None,
    device: str | None = None,
    precision: str | None = None,
    epochs: int | None = None,
    max_steps: int | None = None,
    batch_size: int | None = None,
    grad_accum: int | None = None,
    lr: float | None = None,
    warmup_ratio: float | None = None,
    weight_decay: float | None = None,
    max_grad_norm: float | None = None,
    schedule: str | None = None,
    eval_every: int | None = None,
    log_every: int | None = None,
    seed: int | None = None,
    workers: int | str | None = None,
    compile: bool | None = None,
    options: Mapping[str, Any] | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: str | os.PathLike[str] | None = None,
    loggers: Sequence[str] | None = None,
    quiet: bool = False,
    registry: Registry | None = None,
    command: Sequence[str] | None = None,
    sources: Mapping[str, str] | None = None,
) -> Run:
    """Train ``model`` on ``dataset`` into a run directory and return the :class:`Run`.

    :param model: model name, optionally ``arch.preset``.
    :param dataset: dataset name; its task must be the model's.
    :param preset: preset name (default: the model's default preset).
    :param from_pretrained: local directory or hub id of weights to start from (instead of a preset).
    :param metrics: metric names (``ndcg@5``); default: the model's, else the task's.
    :param select_metric: metric choosing the best checkpoint; default: the model's, else the task's.
    :param device: ``auto`` (default), ``cpu``, ``cuda``, ``mps`` or a plugin's device.
    :param precision: ``fp32`` (default), ``bf16`` or ``fp16``.
    :param options: ``-o`` options, ``{"dropout": 0.1, "dataset.seed": "3"}``; text is converted by type.
    :param out: run directory (default ``runs/<model>-<dataset>-<timestamp>``); must not exist or be empty.
    :param resume: a run directory to continue from its last checkpoint (other arguments must agree with it,
        except ``epochs`` or ``max_steps`` beyond the run's plan, which extend it).
    :param loggers: experiment trackers besides ``metrics.jsonl``: ``csv``, ``tensorboard``, ``mlflow``
        or a plugin's (``openzoo list loggers``); on resume, default the run's.
    :param quiet: no progress bar and no messages.
    :param command: the command line to record in ``config.json`` (default ``sys.argv``).
    :param sources: where each setting came from (``{"lr": "config:run.yaml"}``), recorded in ``config.json``.
    :param workers: DataLoader worker processes, or ``"auto"`` (up to 4, leaving one CPU to the loop;
        ``config.json`` records the number chosen under ``workers_auto``).
    :param compile: run the module through ``torch.compile`` (models declaring ``torch_compile`` only).
    The training settings (``epochs`` ... ``workers``) default to the preset's ``training`` values,
    then to :data:`openzoo.engine.settings.DEFAULTS`.
    :raises BadInputError: for any bad input, before anything is written.
    :raises TrainingInterrupted: on Ctrl-C or SIGTERM, after saving a checkpoint that ``resume=`` continues.
    :raises TrainingDiverged: when the loss, a gradient norm or the weights became NaN or infinite; the last
        good checkpoint is kept and no checkpoint with non-finite weights is written.
    :raises ResourceError: when the disk is full, a write is not permitted or memory runs out.
    :raises RunDirInUseError: (a :class:`BadInputError`) when another process writes the run directory.
    """
    registry = registry or default_registry()
    training = {
        "epochs": epochs,
        "max_steps": max_steps,
        "batch_size": batch_size,
        "grad_accum": grad_accum,
        "lr": lr,
        "warmup_ratio": warmup_ratio,
        "weight_decay": weight_decay,
        "max_grad_norm": max_grad_norm,
        "schedule": schedule,
        "eval_every": eval_every,
        "log_every": log_every,
        "seed": seed,
        "precision": precision,
        "workers": workers,
        "compile": compile,
    }
    if resume is not None:
        extend = {"epochs": training.pop("epochs"), "max_steps": training.pop("max_steps")}
        check_resume_request(
            RunDir(resume).read_config(),
            model=model,
            dataset=dataset,
            preset=preset,
            from_pretrained=from_pretrained,
            options=options,
            metrics=metrics,
            select_metric=select_metric,
            out=None if out is None else str(out),
            training=training,
            run_path=str(resume),
        )
        return resume_training(
            RunDir(resume),
            registry,
            device=device,
            workers=workers,
            quiet=quiet,
            command=command,
            loggers=loggers,
            extend=extend,
        )
    return start_training(
        registry,
        model=model,
        dataset=dataset,
        preset=preset,
        from_pretrained=from_pretrained,
        metrics=metrics,
        select_metric=select_metric,
        device=device,
        precision=precision,
        training=training,
        options=options,
        out=out,
        quiet=quiet,
        command=command,
        loggers=loggers or (),
        sources=sources,
    )


def _resolve_target(
    target: Any,
    registry: Registry,
    *,
    device: str | None,
    precision: str | None,
    compile: bool = False,
) -> LoadedRun | None:
    """Return the loaded run ``target`` names, or ``None`` when it is a model name."""
    if isinstance(target, LoadedRun):
        if compile:
            compile_loaded(target)
        return target
    if isinstance(target, Run):
        target = target.path
    if not isinstance(target, (str, os.PathLike)):
        raise BadInputError(f"expected a run directory, a Run or a LoadedRun; got {type(target).__name__}")
    text = os.fspath(target)
    if Path(text).is_dir() or looks_like_path(text):
        return load_run(text, registry=registry, device=device or "auto", precision=precision, compile=compile)
    return None


def load(
    run_dir: str | os.PathLike[str] | Run,
    *,
    device: str | None = None,
    precision: str | None = None,
    compile: bool = False,
    registry: Registry | None = None,
) -> LoadedRun:
    """Load a run directory's model for evaluation or prediction.

    :returns: a :class:`LoadedRun` with ``.model`` (the plugin's Model), ``.spec``, ``.task``,
        ``.config`` (the run's ``config.json``), ``.path`` and ``.predict(inputs, **options)``.
    :param compile: run the module through ``torch.compile`` (models declaring ``torch_compile`` only).
    :raises BadInputError: for a missing or corrupt run directory, or ``compile`` for a model without the capability.
    """
    registry = registry or default_registry()
    path = run_dir.path if isinstance(run_dir, Run) else run_dir
    return load_run(path, registry=registry, device=device or "auto", precision=precision, compile=compile)


def evaluate(
    run_or_model: str | os.PathLike[str] | Run | LoadedRun,
    dataset: str | None = None,
    split: str = "test",
    metrics: Sequence[str] | None = None,
    *,
    options: Mapping[str, Any] | None = None,
    preset: str | None = None,
    from_pretrained: str | None = None,
    device: str | None = None,
    precision: str | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    workers: int | str | None = 0,
    compile: bool = False,
    registry: Registry | None = None,
) -> dict[str, float]:
    """Return ``{metric: value}`` of a run (or a fresh model) on a dataset split.

    :param run_or_model: a run directory, :class:`Run`, :class:`LoadedRun`, or a model name
        (``arch.preset``) to build fresh from its preset or ``from_pretrained``.
    :param dataset: dataset name; default the run's dataset with the run's options (required for a model name).
    :param split: the split to evaluate.
    :param metrics: metric names; default the run's metrics, else the model's or the task's defaults.
    :param options: dataset options (and model options, for a fresh model).
    :param workers: DataLoader worker processes, or ``"auto"`` (see :func:`train`).
    :param compile: run the module through ``torch.compile`` (models declaring ``torch_compile`` only).
    :raises BadInputError: for an unknown name, a missing split, an empty split or a corrupt run.
    """
    registry = registry or default_registry()
    workers = resolve_workers(0 if workers is None else workers)
    loaded = _resolve_target(run_or_model, registry, device=device, precision=precision, compile=compile)
    stored = loaded.config if loaded is not None else {}
    stored_dataset = stored.get("dataset") or {}
    dataset_name = dataset or stored_dataset.get("name")
    if dataset_name is None:
        raise BadInputError("evaluate needs --dataset when given a model name instead of a run directory")
    if stored_dataset and dataset in (None, stored_dataset.get("name")):  # the run's own dataset
        dataset_spec = comp.recorded_spec(registry, "datasets", stored_dataset, "the run's config.json")
    else:
        dataset_spec = registry.dataset(dataset_name)
    model_name = loaded.spec.name if loaded is not None else str(run_or_model)
    model_options = () if loaded is not None else _fresh_model_spec(registry, model_name, preset).options
    routed = route_options(
        options or {}, model_options, dataset_spec.options, model_name=model_name, dataset_name=dataset_name
    )
    dataset_options = dict(routed.dataset)
    if dataset is None or dataset == stored_dataset.get("name"):
        dataset_options = {**stored_dataset.get("options", {}), **dataset_options}
    source = comp.load_source(registry, dataset_spec, dataset_options)
    if loaded is None:
        loaded = build_model(
            registry,
            model_name,
            preset=preset,
            options=routed.model,
            dataset=source,
            pretrained=from_pretrained,
            seed=seed,
            device=device or "auto",
            precision=precision,
            compile=compile,
        )
    comp.check_same_task(loaded.spec, dataset_spec, registry)
    chosen_split = comp.pick_split(source, split, purpose="eval", dataset=dataset_name) or split
    examples = comp.load_split(source, chosen_split, dataset_name)
    stored_names, stored_dists = comp.recorded_metrics(stored)
    names = metrics or stored_names or comp.default_metric_names(loaded.spec, loaded.task)
    plans = comp.plan_metrics(registry, names, loaded.task.name, None if metrics else stored_dists)
    built = comp.build_metrics(registry, plans, source.info, loaded.device)
    size = batch_size or (stored.get("training") or {}).get("batch_size") or 32
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise BadInputError(f"--batch-size must be an int greater than 0; got {size!r}")
    return evaluate_examples(
        model=loaded.model,
        examples=examples,
        metrics=built,
        backend=loaded.device_plan.backend,
        device=loaded.device,
        precision=loaded.device_plan.precision,
        batch_size=size,
        workers=workers,
    )


def _fresh_model_spec(registry: Registry, name: str, preset: str | None) -> Any:
    try:
        return comp.resolve_model(registry, name, preset)[0]
    except UnknownNameError as exc:
        raise BadInputError(f"{exc} (No run directory called {name!r} exists either.)") from None


def predict(
    run_or_model: str | os.PathLike[str] | Run | LoadedRun,
    inputs: Sequence[Any] | Any,
    *,
    device: str | None = None,
    precision: str | None = None,
    registry: Registry | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """Return one record per raw input from the model of a run (``Model.predict``).

    :param inputs: raw inputs of the task (image paths, texts, prompts, user ids); one item or a list.
    :param options: the model's declared predict options (``top_k=3``); text is converted by type.
    :raises BadInputError: for a missing run, no inputs, or an undeclared option.
    """
    loaded = _loaded_for_predict(run_or_model, registry, device, precision)
    return predict_records(loaded, inputs, options)


def stream(
    run_or_model: str | os.PathLike[str] | Run | LoadedRun,
    prompt: str,
    *,
    device: str | None = None,
    precision: str | None = None,
    registry: Registry | None = None,
    **options: Any,
) -> Iterator[str]:
    """Yield the text a generation model produces for ``prompt``, piece by piece."""
    loaded = _loaded_for_predict(run_or_model, registry, device, precision)
    return stream_text(loaded, prompt, options)


def _loaded_for_predict(target: Any, registry: Registry | None, device: str | None, precision: str | None) -> LoadedRun:
    registry = registry or default_registry()
    loaded = _resolve_target(target, registry, device=device, precision=precision)
    if loaded is None:
        raise BadInputError(
            f"run directory {os.fspath(target)} does not exist; predict needs a directory 'openzoo train' wrote"
        )
    return loaded
