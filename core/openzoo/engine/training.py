"""Starting and resuming training runs: from checked arguments to a :class:`~openzoo.engine.loop.Trainer`.

:func:`start_training` validates everything a new run needs (names, task fit,
options, device and precision, settings, metrics, the output directory) before
it writes anything, then builds the model and trains. :func:`resume_training`
rebuilds the same run from its ``config.json`` and last checkpoint. Both work
alike in one process and under ``torchrun`` (see :mod:`openzoo.engine.distributed`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, final

from openzoo.engine import components as comp
from openzoo.engine.checkpoint import load_trainer_state, seed_everything
from openzoo.engine.compiling import check_compile
from openzoo.engine.config_files import record_sources
from openzoo.engine.distributed import Distributed, setup_distributed
from openzoo.engine.loading import load_saved_model, model_config
from openzoo.engine.loop import Trainer
from openzoo.engine.optim import replan_scheduler
from openzoo.engine.options import route_options
from openzoo.engine.runclaim import RunUnchanged, claim_run_directory
from openzoo.engine.runconfig import build_run_config
from openzoo.engine.rundir import MODEL_DIR, RunDir, atomic_write_json, clean_checkpoints
from openzoo.engine.runlock import LOCK_FILE, RunDirInUseError, lock_holder
from openzoo.engine.session import plan_loggers, training_session
from openzoo.engine.settings import (
    TrainingSettings,
    extend_settings,
    resolve_training_settings,
    resolve_workers,
    steps_per_epoch,
    usable_cpus,
)
from openzoo.errors import BadInputError
from openzoo.plugins import Registry
from openzoo.strict_loading import check_weight_files

__all__ = ["Run", "new_run_path", "resume_training", "start_training"]


@final
@dataclass(slots=True)
class Run:
    """A finished training run: where it is and how it went."""

    #: The run directory.
    path: Path
    #: Optimizer steps taken.
    steps: int
    #: Epochs completed.
    epochs: int
    #: Metrics of the last evaluation (empty when the dataset has no evaluation split).
    metrics: dict[str, float] = field(default_factory=dict)
    #: ``{"metric", "value", "step"}`` of the checkpoint exported to ``RUN/model``, or ``None``.
    best: dict[str, Any] | None = None
    #: Seconds spent in this session: ``train_s`` (the step loop, wall clock), ``train_cpu_s`` (its CPU
    #: time in this process), ``eval_s`` and ``checkpoint_s``.
    timings: dict[str, float] = field(default_factory=dict)

    def __fspath__(self) -> str:
        return str(self.path)


def new_run_path(out: str | os.PathLike[str] | None, model: str, dataset: str) -> Path:
    """Return the directory of a new run: ``out`` if it is free, else ``runs/<model>-<dataset>-<time>``.

    :raises BadInputError: when ``out`` exists and is not an empty directory (it is never overwritten).
    """
    if out is not None:
        path = Path(out)
        _check_out_location(path)
        if path.is_dir() and any(e.name != LOCK_FILE for e in path.iterdir()):
            holder = lock_holder(path)
            if holder is not None:
                raise RunDirInUseError(path, holder)
            raise BadInputError(
                f"--out {path} already exists and is not empty; choose a new directory, "
                f"or continue that run with --resume {path}"
            )
        return path
    base = Path("runs") / f"{model}-{dataset}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, counter = base, 1
    while path.exists():
        path = base.with_name(f"{base.name}-{counter}")
        counter += 1
    return path


def _check_out_location(path: Path) -> None:
    """Refuse an ``--out`` that cannot become a directory: a file, under a file, or in a read-only place."""
    if path.exists() and not path.is_dir():
        raise BadInputError(f"--out {path} is a file, not a directory; choose a new directory for the run")
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise BadInputError(f"--out {path} is under {ancestor}, which is a file; choose a directory path")
    if not path.exists() and not os.access(ancestor, os.W_OK | os.X_OK):
        raise BadInputError(
            f"--out {path}: permission denied, cannot create directories in {ancestor}; "
            "choose a directory you can write to"
        )


def start_training(
    registry: Registry,
    *,
    model: str | None,
    dataset: str | None,
    preset: str | None,
    from_pretrained: str | None,
    metrics: Sequence[str] | None,
    select_metric: str | None,
    device: str | None,
    precision: str | None,
    training: Mapping[str, Any],
    options: Mapping[str, Any] | None,
    out: str | os.PathLike[str] | None,
    quiet: bool,
    command: Sequence[str] | None,
    loggers: Sequence[str] = (),
    sources: Mapping[str, str] | None = None,
) -> Run:
    """Check the arguments of a new run, then create its directory, build the model and train.

    ``sources`` maps each setting to where its value came from (``flag``, ``config:run.yaml``), for ``config.json``.
    """
    if model is None or dataset is None:
        raise BadInputError("train needs a MODEL and a --dataset (or --resume RUN_DIR to continue a run)")
    if preset is not None and from_pretrained is not None:
        raise BadInputError("give either --preset or --from-pretrained, not both")
    model_spec, chosen = comp.resolve_model(registry, model, preset)
    dataset_spec = registry.dataset(dataset)
    comp.check_same_task(model_spec, dataset_spec, registry)
    task = registry.task(model_spec.task)
    routed = route_options(
        options or {}, model_spec.options, dataset_spec.options, model_name=model_spec.name, dataset_name=dataset
    )
    plan = comp.resolve_device(registry, device or "auto", precision or "fp32", model_spec)
    settings = resolve_training_settings(
        chosen.training, training, device=plan.name, local_processes=_local_processes()
    )
    check_compile(model_spec, settings.compile)
    plans = comp.plan_metrics(registry, metrics or comp.default_metric_names(model_spec, task), task.name)
    selection = comp.selection_metric(model_spec, task, select_metric, plans) if plans else None
    logger_specs = plan_loggers(registry, loggers)
    out_path = new_run_path(out, model_spec.name, dataset_spec.name)
    env = setup_distributed(plan.backend.distributed_backend)
    try:
        run = RunDir(env.broadcast_object(str(out_path)))
        with claim_run_directory(run, env, fresh=True):
            torch_device = plan.backend.torch_device(env.local_rank)
            seed_everything(settings.seed, plan.backend)
            source = comp.load_source(registry, dataset_spec, routed.dataset)
            train_split = comp.pick_split(source, None, purpose="train", dataset=dataset_spec.name)
            train_examples = comp.load_split(source, train_split, dataset_spec.name)
            eval_split = comp.pick_split(source, None, purpose="eval", dataset=dataset_spec.name)
            eval_examples = comp.load_split(source, eval_split, dataset_spec.name) if eval_split else None
            config = model_config(model_spec, chosen, routed.model)
            instance = registry.resolve(model_spec).create(config=config, dataset=source, pretrained=from_pretrained)
            if env.is_main:
                record = build_run_config(
                    model_spec=model_spec,
                    preset=None if from_pretrained else chosen.name,
                    model_config=config,
                    model_options=routed.model,
                    from_pretrained=from_pretrained,
                    dataset_spec=dataset_spec,
                    dataset_options=routed.dataset,
                    train_split=train_split,
                    eval_split=eval_split,
                    metrics=plans,
                    selection=selection,
                    settings=settings,
                    device_spec=registry.device(plan.name),
                    world_size=env.world_size,
                    command=command,
                )
                record["loggers"] = [spec.name for spec in logger_specs]
                if _is_auto(training.get("workers")):
                    record["workers_auto"] = {"chose": settings.workers, "usable_cpus": usable_cpus()}
                given = (
                    sources if sources is not None else {k: "argument" for k, v in training.items() if v is not None}
                )
                record["sources"] = record_sources(given, preset=chosen, options={**routed.model, **routed.dataset})
                atomic_write_json(run.config_path, record)
            env.barrier()
            return _run_trainer(
                instance=instance, model_name=model_spec.name, registry=registry, source=source,
                train_examples=train_examples, eval_split=eval_split, eval_examples=eval_examples, plans=plans,
                selection=selection, settings=settings, plan=plan, torch_device=torch_device, env=env, run=run,
                quiet=quiet, loggers=logger_specs, config=record if env.is_main else {},
            )  # fmt: skip
    finally:
        env.shutdown()


def _run_trainer(
    *,
    instance: Any,
    model_name: str,
    registry: Registry,
    source: Any,
    train_examples: Sequence[Any],
    eval_split: str | None,
    eval_examples: Sequence[Any] | None,
    plans: Sequence[Any],
    selection: Any,
    settings: TrainingSettings,
    plan: Any,
    torch_device: Any,
    env: Distributed,
    run: RunDir,
    quiet: bool,
    resume: Mapping[str, Any] | None = None,
    loggers: Sequence[Any] = (),
    config: Mapping[str, Any] | None = None,
    replan: bool = False,
) -> Run:
    """Build the :class:`Trainer` of a new or resumed run, train, and summarise the result.

    ``replan`` (an extended run) rebuilds the learning-rate schedule over the new total
    number of steps, positioned at the step the run reached.
    """
    resumed_at = None if resume is None else int(resume["step"])
    trainer: Trainer | None = None
    with training_session(
        run, registry=registry, loggers=loggers, config=config or {}, resumed_at=resumed_at, main=env.is_main,
        step=lambda: trainer.step if trainer is not None else resumed_at,
    ) as session:  # fmt: skip
        trainer = Trainer(
            model=instance,
            model_name=model_name,
            train_examples=train_examples,
            eval_examples=eval_examples,
            eval_split=eval_split,
            metrics=comp.build_metrics(registry, plans, source.info, torch_device) if eval_examples else {},
            selection=selection,
            settings=settings,
            backend=plan.backend,
            device=torch_device,
            env=env,
            run=run,
            quiet=quiet or not env.is_main,
            resume=resume,
            loggers=session.loggers,
        )
        if replan:
            trainer.scheduler = replan_scheduler(trainer.optimizer, settings, trainer.total_steps, trainer.step)
        if env.is_main:
            session.started(planned_steps=trainer.total_steps, step=trainer.step)
        result = trainer.run_training()
    return Run(run.path, result.steps, result.epochs, result.metrics, result.best, result.timings)


def _stored(config: Mapping[str, Any], path: RunDir, *keys: str) -> Any:
    value: Any = config
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            raise BadInputError(f"run configuration {path.config_path} is corrupt: {'.'.join(keys)} is missing")
        value = value[key]
    return value


def resume_training(
    run: RunDir,
    registry: Registry,
    *,
    device: str | None,
    workers: int | None,
    quiet: bool,
    command: Sequence[str] | None,
    loggers: Sequence[str] | None = None,
    extend: Mapping[str, Any] | None = None,
) -> Run:
    """Continue ``run`` from its last complete checkpoint with its stored settings (``device``/``workers`` may change).

    ``loggers`` replaces the run's ``--logger`` list (default: the stored one). ``extend`` holds
    ``epochs`` or ``max_steps`` beyond the run's plan: the run then continues to the new total,
    with the learning-rate schedule re-planned over it (see :func:`~openzoo.engine.optim.replan_scheduler`),
    and ``config.json`` records the extension.
    """
    config = run.read_config()
    model_spec = comp.recorded_spec(registry, "models", _stored(config, run, "model"), str(run.config_path))
    dataset_spec = comp.recorded_spec(registry, "datasets", _stored(config, run, "dataset"), str(run.config_path))
    task = registry.task(model_spec.task)
    stored = dict(_stored(config, run, "training"))
    plan = comp.resolve_device(
        registry, device or stored.get("device", "auto"), stored.get("precision", "fp32"), model_spec
    )
    chosen_workers = stored.get("workers", 0) if workers is None else resolve_workers(workers, _local_processes())
    stored.update(device=plan.name, workers=chosen_workers)
    try:
        settings = TrainingSettings(**stored)
    except TypeError as exc:
        raise BadInputError(f"run configuration {run.config_path} is corrupt: training settings {exc}") from None
    metric_keys, metric_dists = comp.recorded_metrics(config)
    plans = comp.plan_metrics(registry, metric_keys, task.name, metric_dists)
    selection_key = (config.get("selection_metric") or {}).get("key")
    selection = next((p for p in plans if p.key == selection_key), None)
    logger_names = list(config.get("loggers", [])) if loggers is None else list(loggers)
    logger_specs = plan_loggers(registry, logger_names)
    env = setup_distributed(plan.backend.distributed_backend)
    try:
        with claim_run_directory(run, env, fresh=False):
            checkpoint = run.complete_checkpoint("last")  # read under the lock: no writer changes it now
            if checkpoint is None:
                raise BadInputError(
                    f"run {run.path} has no complete checkpoint to resume (checkpoints/last is missing); "
                    "start a new run"
                )
            try:
                state, _ = load_trainer_state(checkpoint)
            except BadInputError as exc:
                raise BadInputError(f"{exc}{_intact_best_hint(run, checkpoint)}") from None
            _check_world_size(config, run, env)
            torch_device = plan.backend.torch_device(env.local_rank)
            seed_everything(settings.seed, plan.backend)
            source = comp.load_source(registry, dataset_spec, config["dataset"].get("options", {}))
            train_split = _stored(config, run, "dataset", "train_split")
            train_examples = comp.load_split(source, train_split, dataset_spec.name)
            eval_split = config["dataset"].get("eval_split")
            eval_examples = comp.load_split(source, eval_split, dataset_spec.name) if eval_split else None
            per_epoch = steps_per_epoch(len(train_examples), settings, env.world_size)
            try:
                extended = extend_settings(settings, extend or {}, per_epoch, reached=int(state["step"]))
            except BadInputError as exc:  # nothing was touched: the run is as it was
                raise RunUnchanged(str(exc)) from None
            try:
                instance = load_saved_model(registry, model_spec, checkpoint / MODEL_DIR)
            except BadInputError as exc:
                raise BadInputError(f"{exc}{_intact_best_hint(run, checkpoint)}") from None
            if env.is_main:
                clean_checkpoints(run.checkpoints)
                now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
                resumed = {"at": now, "step": int(state["step"]), "command": command}
                if _is_auto(workers):
                    resumed["workers_auto"] = {"chose": settings.workers, "usable_cpus": usable_cpus()}
                config.setdefault("resumes", []).append(resumed)
                if extended is not None:
                    extension = {"at": now, "step": int(state["step"]), **extended.record}
                    config.setdefault("extensions", []).append(extension)
                    config["training"] = {**config["training"], **extended.changes}
                config["loggers"] = [spec.name for spec in logger_specs]
                atomic_write_json(run.config_path, config)
            env.barrier()
            return _run_trainer(
                instance=instance, model_name=model_spec.name, registry=registry, source=source,
                train_examples=train_examples, eval_split=eval_split, eval_examples=eval_examples, plans=plans,
                selection=selection, plan=plan, torch_device=torch_device, env=env, run=run,
                settings=extended.settings if extended is not None else settings,
                quiet=quiet, resume=state, loggers=logger_specs, config=config if env.is_main else {},
                replan=extended is not None,
            )  # fmt: skip
    finally:
        env.shutdown()


def _local_processes() -> int:
    """Return the training processes on this machine (torchrun's ``LOCAL_WORLD_SIZE``, else 1)."""
    text = os.environ.get("LOCAL_WORLD_SIZE", "1")
    return int(text) if text.isdigit() and int(text) > 0 else 1


def _is_auto(workers: Any) -> bool:
    return isinstance(workers, str) and workers.strip().lower() == "auto"


def _check_world_size(config: Mapping[str, Any], run: RunDir, env: Distributed) -> None:
    stored = config.get("world_size", 1)
    if env.world_size != stored:
        raise BadInputError(
            f"run {run.path} was trained with {stored} process(es); resume it with the same number "
            f"(this launch has {env.world_size}): the position in the epoch depends on it"
        )


def _intact_best_hint(run: RunDir, damaged: Path) -> str:
    """Return a sentence offering the best checkpoint when ``damaged`` cannot be resumed but best can."""
    best = run.complete_checkpoint("best")
    if best is None or best.resolve() == damaged.resolve():
        return ""
    try:
        check_weight_files(best / MODEL_DIR)
        _, summary = load_trainer_state(best)
    except BadInputError:
        return ""
    last = run.checkpoint_path("last")
    return (
        f". The best checkpoint {best} (step {summary.get('step', '?')}) is intact: to continue from it, "
        f"run 'rm -r {last} && cp -r {best} {last}', then 'openzoo train --resume {run.path}' again"
    )
