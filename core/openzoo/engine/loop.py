"""The training loop: batches, autocast, accumulation, clipping, evaluation and checkpoints.

:class:`Trainer` trains ``model.module`` in place. The loop's state is a
position ``(epoch, batches consumed in the epoch, optimizer step)``; a
checkpoint is only ever taken at an optimizer-step boundary, together with
the optimizer, scheduler, scaler and RNG states, so a resumed run rebuilds
the epoch's batch order from ``(seed, epoch)``, skips the consumed batches
and continues exactly where the interrupted one stopped.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, final

import torch

from openzoo.engine.batching import BatchPlan, epoch_batches, make_loader, module_inputs, to_device
from openzoo.engine.checkpoint import capture_rng, non_finite_parameter, restore_rng, write_checkpoint
from openzoo.engine.compiling import compile_module
from openzoo.engine.components import MetricPlan
from openzoo.engine.distributed import Distributed, wrap_module
from openzoo.engine.evaluation import evaluate_examples
from openzoo.engine.failures import TrainingDiverged
from openzoo.engine.interrupt import GracefulInterrupt, TrainingInterrupted
from openzoo.engine.optim import build_optimizer, build_scheduler
from openzoo.engine.progress import TrainingProgress
from openzoo.engine.rundir import MODEL_DIR, MetricsLog, RunDir, atomic_directory, read_metrics
from openzoo.engine.settings import TrainingSettings
from openzoo.errors import PluginError

__all__ = ["TrainResult", "Trainer"]


@final
@dataclass(slots=True)
class TrainResult:
    """What a finished training run reports."""

    #: Optimizer steps taken in total.
    steps: int
    #: Epochs completed.
    epochs: int
    #: Metrics of the last evaluation (empty without an evaluation split).
    metrics: dict[str, float] = field(default_factory=dict)
    #: ``{"metric", "value", "step"}`` of the best checkpoint, or ``None`` without evaluation.
    best: dict[str, Any] | None = None
    #: Seconds spent training, evaluating and checkpointing (this process, this session), and of the
    #: training time the seconds the loop waited for its next batch (``data_wait_s``, ``data_wait_fraction``).
    timings: dict[str, float] = field(default_factory=dict)


#: What ``next(loader, _END)`` returns after the last batch (a collate may return anything, even ``None``).
_END = object()


def _clock() -> tuple[float, float]:
    """Return (wall, process CPU) seconds: CPU time shows the loop's own cost on a busy machine."""
    return time.perf_counter(), time.process_time()


class Trainer:
    """Trains one model on one dataset into one run directory."""

    def __init__(
        self,
        *,
        model: Any,
        model_name: str,
        train_examples: Sequence[Any],
        eval_examples: Sequence[Any] | None,
        eval_split: str | None,
        metrics: Mapping[str, Any],
        selection: MetricPlan | None,
        settings: TrainingSettings,
        backend: Any,
        device: torch.device,
        env: Distributed,
        run: RunDir,
        quiet: bool = False,
        resume: Mapping[str, Any] | None = None,
        loggers: Sequence[Any] = (),
    ) -> None:
        self.model = model
        self.model_name = model_name
        self.train_examples = train_examples
        self.eval_examples = eval_examples
        self.eval_split = eval_split
        self.metrics = metrics
        self.selection = selection
        self.settings = settings
        self.backend = backend
        self.device = device
        self.env = env
        self.run = run
        self.quiet = quiet
        self.module = model.module.to(device)
        self.module.train()
        if settings.compile:
            compile_module(self.module)
        self.wrapped = wrap_module(self.module, env, device)
        self.optimizer = build_optimizer(self.module, settings)
        per_rank = math.ceil(len(train_examples) / env.world_size)
        self.batches_per_epoch = math.ceil(per_rank / settings.batch_size)
        self.steps_per_epoch = math.ceil(self.batches_per_epoch / settings.grad_accum)
        self.total_steps = settings.max_steps or settings.epochs * self.steps_per_epoch
        self.scheduler = build_scheduler(self.optimizer, settings, self.total_steps)
        self.scaler = backend.grad_scaler(settings.precision)
        # The forward pass's autocast context, made once when it is the reusable no-op (fp32): a backend
        # may return a single-use context manager for other precisions, so those are made per step.
        autocast = backend.autocast(settings.precision)
        self._fixed_autocast = autocast if isinstance(autocast, contextlib.nullcontext) else None
        self.step = 0
        self.epoch = 0
        self.position = 0
        self.best: dict[str, Any] | None = None
        self.last_metrics: dict[str, float] = {}
        self.evaluated_step = -1
        self.saved_step = -1
        self.timings = {"train_s": 0.0, "train_cpu_s": 0.0, "eval_s": 0.0, "checkpoint_s": 0.0, "data_wait_s": 0.0}
        #: The training batches of the current epoch; one DataLoader (and its workers) serves every epoch.
        self.batch_plan = BatchPlan()
        self.loader: Any = None
        #: Seconds the loop waited for ``next(loader)`` (a list, so the batch generator can add to it).
        self.data_wait = [0.0]
        self.log = MetricsLog(run.metrics_path)
        #: ``(step, loss)`` of the last finite training loss logged, for the message of a diverged run.
        self.last_finite_loss: tuple[int, float] | None = None
        #: ``--logger`` trackers (:class:`~openzoo.protocols.RunLogger`); each gets every metrics.jsonl record.
        self.loggers = tuple(loggers)
        self._updating = False
        self._boundary_rng = torch.get_rng_state()
        if resume is not None:
            self._restore(resume)

    # -- state -----------------------------------------------------------------

    def _trainer_state(self) -> dict[str, Any]:
        return {
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict() if self.scaler is not None else None,
            "rng": capture_rng(),
            "step": self.step,
            "epoch": self.epoch,
            "position": self.position,
            "evaluated_step": self.evaluated_step,
            "best": dict(self.best) if self.best else None,
            "last_metrics": dict(self.last_metrics),
        }

    def _restore(self, state: Mapping[str, Any]) -> None:
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        if self.scaler is not None and state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        self.step = int(state["step"])
        self.epoch = int(state["epoch"])
        self.position = int(state["position"])
        self.evaluated_step = int(state.get("evaluated_step", -1))
        self.best = dict(state["best"]) if state.get("best") else None
        self.last_metrics = dict(state.get("last_metrics") or {})
        if self.env.is_main:
            self.log.truncate_after(self.step)
            logged = [r for r in read_metrics(self.log.path) if isinstance(r.get("loss"), (int, float))]
            self.last_finite_loss = (int(logged[-1]["step"]), float(logged[-1]["loss"])) if logged else None
        restore_rng(state["rng"])

    def _epoch_progress(self) -> float:
        """Return the epochs completed so far, fractional within an epoch (``1.5`` = halfway through the second)."""
        return round(self.epoch + self.position / max(self.batches_per_epoch, 1), 4)

    def _evaluation_pending(self) -> bool:
        every = self.settings.eval_every
        return bool(every) and self.step > 0 and self.step % every == 0 and self.evaluated_step != self.step

    def _finished(self) -> bool:
        if self.settings.max_steps is not None:
            return self.step >= self.settings.max_steps
        return self.epoch >= self.settings.epochs

    # -- the loop ----------------------------------------------------------------

    def run_training(self) -> TrainResult:
        """Train until the step or epoch budget is spent; evaluate, checkpoint and export the model.

        :raises TrainingInterrupted: after saving a checkpoint, when Ctrl-C was pressed.
        """
        progress = TrainingProgress(
            total_steps=self.total_steps, initial_step=self.step, enabled=self.env.is_main, quiet=self.quiet
        )
        try:
            with GracefulInterrupt() as interrupt:
                try:
                    if self._evaluation_pending():  # interrupted right before a scheduled evaluation
                        self._evaluate_and_checkpoint(progress)
                    while not self._finished():
                        self._train_epoch(progress, interrupt)
                except KeyboardInterrupt as exc:
                    if isinstance(exc, TrainingInterrupted) or interrupt.requested or self._updating:
                        raise
                    # Ctrl-C outside our handler (another thread, or a raw KeyboardInterrupt) mid-step: the
                    # weights are still at the last step boundary; drop the partial gradients and rewind torch's
                    # RNG to that boundary, so the checkpoint is the state after the last full step.
                    self.optimizer.zero_grad(set_to_none=True)
                    torch.set_rng_state(self._boundary_rng)
                    self._save("last", metrics=None)
                    raise TrainingInterrupted(str(self.run.path), self.step) from None
            if self.eval_examples is not None and self.evaluated_step != self.step:
                self._evaluate_and_checkpoint(progress)
            elif self.saved_step != self.step:
                self._save("last", metrics=self.last_metrics or None)
            self._export_model()
        finally:
            progress.close()
            self.log.close()
            self.loader = None  # stops the persistent workers
            self._add_data_wait()
        # A step budget that ends on an epoch's last batch leaves before the epoch counter moves on.
        epochs = self.epoch + self.position // max(self.batches_per_epoch, 1)
        return TrainResult(
            steps=self.step, epochs=epochs, metrics=dict(self.last_metrics), best=self.best, timings=self.timings
        )

    def _next_event(self) -> int:
        """Return the next step at which the loop has more to do than train: log, evaluate or finish."""
        settings, step = self.settings, self.step
        event = step - step % settings.log_every + settings.log_every
        if settings.eval_every:
            event = min(event, step - step % settings.eval_every + settings.eval_every)
        if settings.max_steps is not None:
            event = min(event, max(settings.max_steps, step + 1))
        return event

    def _train_epoch(self, progress: TrainingProgress, interrupt: GracefulInterrupt) -> None:
        settings, env = self.settings, self.env
        batches = epoch_batches(
            len(self.train_examples),
            settings.batch_size,
            seed=settings.seed,
            epoch=self.epoch,
            rank=env.rank,
            world_size=env.world_size,
        )
        self.batch_plan.batches = batches[self.position :]
        if self.loader is None:
            self.loader = make_loader(
                self.train_examples,
                self.batch_plan,
                self.model.collate,
                workers=settings.workers,
                pin_memory=self.device.type == "cuda",
                persistent=True,
            )
        # The step below runs thousands of times: what does not change within the epoch is looked up once, and
        # logging, evaluation and the end of the budget are one comparison with the next such step.
        accum, distributed = settings.grad_accum, env.enabled
        on_host = self.device.type == "cpu"
        advance = progress.advance if progress.visible else None
        get_rng_state, clock, data_wait = torch.get_rng_state, time.perf_counter, self.data_wait
        # Each batch's detached loss and each step's gradient norm, read only when the log line is written.
        logged_losses: list[torch.Tensor] = []
        logged_norms: list[torch.Tensor] = []
        log_first = self.position  # the first batch of the log window
        next_event = self._next_event()
        self._boundary_rng = get_rng_state()
        started = _clock()
        log_started = started[0]
        iterator = iter(self.loader)
        index = self.position - 1
        while True:
            before = clock()
            cpu_batch = next(iterator, _END)
            data_wait[0] += clock() - before
            if cpu_batch is _END:
                break
            index += 1
            if accum == 1:
                window_size, last_in_window = 1, True
            else:
                window_start = index - index % accum
                window_size = min(accum, len(batches) - window_start)
                last_in_window = index - window_start == window_size - 1
            batch = cpu_batch if on_host else to_device(cpu_batch, self.device)
            if last_in_window or not distributed:
                loss = self._forward_backward(batch, window_size)
            else:
                with self.wrapped.no_sync():
                    loss = self._forward_backward(batch, window_size)
            logged_losses.append(loss.detach())
            if not last_in_window:
                continue
            norm = self._optimizer_step()
            if norm is not None:
                logged_norms.append(norm)
            self.step += 1
            self.position = index + 1
            self._boundary_rng = get_rng_state()
            if advance is not None:
                advance()
            stop = env.any_true(interrupt.requested, self.device) if distributed else interrupt.requested
            if self.step < next_event and not stop:
                continue
            finished = self._finished()
            if finished or self.step % settings.log_every == 0:
                now = time.perf_counter()
                examples = sum(map(len, batches[log_first : index + 1]))
                self._log_training(
                    progress, logged_losses, logged_norms, index + 1 - log_first, examples, now - log_started
                )
                logged_losses, logged_norms = [], []
                log_first = index + 1
                log_started = now
            if stop:
                self._add_training_time(started)
                self._save("last", metrics=None)
                raise TrainingInterrupted(str(self.run.path), self.step, interrupt.signum or signal.SIGINT)
            evaluate = bool(settings.eval_every) and self.step % settings.eval_every == 0
            if evaluate or finished:
                self._add_training_time(started)
                if evaluate:
                    self._evaluate_and_checkpoint(progress)
                if finished:
                    return
                started = _clock()
                log_started = started[0]
            next_event = self._next_event()
        self._add_training_time(started)
        self.epoch += 1
        self.position = 0
        if not settings.eval_every and self.evaluated_step != self.step:  # an extended run evaluated this step
            self._evaluate_and_checkpoint(progress)

    def _add_data_wait(self) -> None:
        self.timings["data_wait_s"] = self.data_wait[0]
        train = self.timings["train_s"]
        self.timings["data_wait_fraction"] = round(self.data_wait[0] / train, 4) if train > 0 else 0.0

    def _add_training_time(self, since: tuple[float, float]) -> None:
        wall, cpu = _clock()
        self.timings["train_s"] += wall - since[0]
        self.timings["train_cpu_s"] += cpu - since[1]

    def _forward_backward(self, batch: dict[str, Any], window_size: int) -> torch.Tensor:
        with self._fixed_autocast or self.backend.autocast(self.settings.precision):
            outputs = self.wrapped(**module_inputs(batch))
        try:
            loss = outputs["loss"]
        except (KeyError, TypeError):
            loss = None
        if loss is None:
            raise PluginError(
                f"model {self.model_name!r}: module(**batch) returned no 'loss' for a batch with targets; "
                "the module must return a mapping with a scalar 'loss' when the batch holds the task's targets"
            )
        scaled = loss / window_size if window_size > 1 else loss
        if self.scaler is not None:
            self.scaler.scale(scaled).backward()
        else:
            scaled.backward()
        return loss

    def _optimizer_step(self) -> torch.Tensor | None:
        """Take one optimizer step; return the gradient norm (on the device) when it is to be checked.

        Under a gradient scaler (fp16) an infinite norm only makes the scaler skip the step, so it is not returned.
        """
        self._updating = True
        norm = None
        if self.scaler is not None:
            self.scaler.unscale_(self.optimizer)
        if self.settings.max_grad_norm > 0:
            norm = torch.nn.utils.clip_grad_norm_(self.module.parameters(), self.settings.max_grad_norm)
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        self._updating = False
        return norm if self.scaler is None else None

    def _log_training(
        self,
        progress: TrainingProgress,
        losses: list[torch.Tensor],
        norms: list[torch.Tensor],
        count: int,
        examples: int,
        seconds: float,
    ) -> None:
        """Write a training record; stop the run when its loss or a gradient norm since the last one is not finite.

        The check reads the values this line reads anyway, in the same device-to-host copy: no extra sync.
        """
        if self.device.type == "cpu":  # reading a CPU tensor is no sync, and cheaper than stacking them
            loss_sum = sum(map(float, losses))
            norm_sum = sum(map(float, norms))
        else:  # one device-to-host copy for the whole window
            sums = [torch.stack(values).sum().float() for values in (losses, norms) if values]
            host = torch.stack(sums).tolist() if sums else []
            loss_sum = host[0] if losses else 0.0
            norm_sum = host[-1] if norms else 0.0
        loss_total, count_total, examples_total = self.env.all_sum(
            [loss_sum, float(count), float(examples)], self.device
        )
        loss = loss_total / max(count_total, 1.0)
        if not math.isfinite(loss) or not math.isfinite(norm_sum):
            observed = f"the training loss is {loss}" if not math.isfinite(loss) else "the gradient norm is not finite"
            raise TrainingDiverged(step=self.step, observed=observed, last_finite=self.last_finite_loss)
        self.last_finite_loss = (self.step, loss)
        examples_per_s = examples_total / seconds if seconds > 0 else 0.0
        lr = float(self.scheduler.get_last_lr()[0])
        progress.show_training(loss, examples_per_s, lr)
        if self.env.is_main:
            self._record(
                {
                    "step": self.step,
                    "epoch": self._epoch_progress(),
                    "loss": loss,
                    "lr": lr,
                    "examples_per_s": examples_per_s,
                }
            )

    def _record(self, record: dict[str, Any]) -> None:
        """Append ``record`` to metrics.jsonl and hand it to every ``--logger`` (main process only)."""
        self.log.append(record)
        for logger in self.loggers:
            logger.log(record)

    # -- evaluation and checkpoints ----------------------------------------------------

    def _evaluate(self, progress: TrainingProgress) -> dict[str, float]:
        started = time.perf_counter()
        results = evaluate_examples(
            model=self.model,
            examples=self.eval_examples or (),
            metrics=self.metrics,
            backend=self.backend,
            device=self.device,
            precision=self.settings.precision,
            batch_size=self.settings.batch_size,
            env=self.env,
            workers=self.settings.workers,
        )
        self.timings["eval_s"] += time.perf_counter() - started
        self.last_metrics = results
        self.evaluated_step = self.step
        if self.env.is_main:
            epoch = self._epoch_progress()
            self._record({"step": self.step, "epoch": epoch, "split": self.eval_split, "metrics": results})
        progress.show_evaluation(self.step, self._epoch_progress(), self.eval_split or "", results)
        return results

    def _evaluate_and_checkpoint(self, progress: TrainingProgress) -> None:
        if self.eval_examples is None:
            self._save("last", metrics=None)
            return
        results = self._evaluate(progress)
        improved = False
        if self.selection is not None:
            value = results[self.selection.key]
            best = None if self.best is None else self.best["value"]
            if best is None or not math.isfinite(best):
                improved = math.isfinite(value) or best is None
            elif self.selection.higher_is_better:
                improved = value > best
            else:
                improved = value < best
            if improved:
                self.best = {"metric": self.selection.key, "value": value, "step": self.step}
        self._save("last", metrics=results)
        if improved:
            self._copy_checkpoint("last", "best")

    def _save(self, name: str, metrics: Mapping[str, float] | None) -> None:
        """Write checkpoint ``name`` (rank 0 only; every rank waits for it)."""
        started = time.perf_counter()
        bad = non_finite_parameter(self.module)  # every rank checks the same weights, so all stop together
        if bad is not None:
            observed = f"parameter {bad!r} holds NaN or infinite values (no checkpoint was written)"
            raise TrainingDiverged(step=self.step, observed=observed, last_finite=self.last_finite_loss)
        if self.env.is_main:
            self.log.flush()  # the log holds every line up to the checkpoint it goes with
            summary = {
                "step": self.step,
                "epoch": self.epoch,
                "position": self.position,
                "metrics": dict(metrics) if metrics else {},
                "best": self.best,
            }
            write_checkpoint(
                self.run.checkpoint_path(name),
                save_model=self.model.save,
                trainer_state=self._trainer_state(),
                summary=summary,
            )
        self.env.barrier()
        self.saved_step = self.step
        self.timings["checkpoint_s"] += time.perf_counter() - started

    def _copy_checkpoint(self, source: str, target: str) -> None:
        started = time.perf_counter()
        if self.env.is_main:
            with atomic_directory(self.run.checkpoint_path(target)) as tmp:
                shutil.copytree(self.run.checkpoint_path(source), tmp, dirs_exist_ok=True)
        self.env.barrier()
        self.timings["checkpoint_s"] += time.perf_counter() - started

    def _export_model(self) -> None:
        """Copy the selected checkpoint's model to ``RUN/model`` (best if evaluated, else last)."""
        if self.env.is_main:
            chosen = self.run.complete_checkpoint("best") if self.best else None
            chosen = chosen or self.run.complete_checkpoint("last")
            if chosen is not None:
                with atomic_directory(self.run.model_dir) as tmp:
                    shutil.copytree(Path(chosen) / MODEL_DIR, tmp, dirs_exist_ok=True)
        self.env.barrier()
