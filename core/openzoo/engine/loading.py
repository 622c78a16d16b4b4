"""Getting a model to evaluate or predict with: from a run directory, or fresh from a spec.

Loading a run reads ``config.json`` (JSON), finds the model's spec in the
registry by the name recorded there, and calls the factory's ``load`` on
``RUN/model`` (or the best, else the last checkpoint of an unfinished run).
Nothing is unpickled: weights are safetensors, read by the plugin.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, final

import torch

from openzoo.engine.checkpoint import seed_everything
from openzoo.engine.compiling import check_compile, compile_module
from openzoo.engine.components import DevicePlan, recorded_spec, resolve_device, resolve_model
from openzoo.engine.options import option_defaults
from openzoo.engine.rundir import RunDir
from openzoo.engine.weights import check_loaded_weights
from openzoo.errors import BadInputError, OpenzooError, PluginError
from openzoo.plugins import Registry, qualified_name
from openzoo.specs import ModelSpec, Preset, TaskSpec
from openzoo.strict_loading import check_weight_files

__all__ = [
    "LoadedRun",
    "build_model",
    "compile_loaded",
    "load_run",
    "load_saved_model",
    "looks_like_path",
    "model_config",
]


@final
@dataclass(slots=True)
class LoadedRun:
    """A model ready to evaluate or predict, with what describes it.

    ``model`` is the plugin's :class:`~openzoo.protocols.Model` instance, its
    ``module`` in eval mode on :attr:`device`.
    """

    #: The model instance (``model.predict``, ``model.module``, ``model.save``).
    model: Any
    #: The model's spec.
    spec: ModelSpec
    #: The task the model solves.
    task: TaskSpec
    #: The torch device the module is on.
    device: torch.device
    #: Device name, backend and precision.
    device_plan: DevicePlan
    #: The run's ``config.json`` (``{}`` for a fresh model).
    config: dict[str, Any] = field(default_factory=dict)
    #: The run directory, or ``None`` for a fresh model.
    path: Path | None = None

    def predict(self, inputs: Any, **options: Any) -> list[dict[str, Any]]:
        """Shorthand for :func:`openzoo.predict` on this run."""
        from openzoo.engine.prediction import predict_records

        return predict_records(self, inputs, options)

    def __repr__(self) -> str:
        where = str(self.path) if self.path else "fresh"
        return (
            f"LoadedRun(model={self.spec.name!r}, task={self.task.name!r}, device={str(self.device)!r}, path={where!r})"
        )


def looks_like_path(text: str) -> bool:
    """Return whether ``text`` is meant as a path rather than a component name."""
    return os.sep in text or "/" in text or text.startswith((".", "~")) or Path(text).exists()


def model_config(spec: ModelSpec, preset: Preset, user_options: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``create``'s ``config``: declared option defaults < the preset's config < the user's options."""
    return {**option_defaults(spec.options), **dict(preset.config), **dict(user_options)}


def _place(model: Any, plan: DevicePlan, index: int = 0) -> torch.device:
    device = plan.backend.torch_device(index)
    model.module.to(device)
    model.module.eval()
    return device


def load_saved_model(registry: Registry, spec: ModelSpec, directory: Path) -> Any:
    """Load the model a run saved in ``directory`` with its plugin, checking the weights on both sides.

    The weight files must be whole before the plugin reads them, and the loaded module must
    hold exactly what they hold (:mod:`openzoo.engine.weights`): a model that would predict
    with weights its plugin silently initialised is an error, never a result.

    :raises BadInputError: naming the file or the keys when the weights are damaged or do not fit.
    :raises PluginError: when the plugin calls ``sys.exit`` while loading.
    """
    files = check_weight_files(directory)
    factory = registry.resolve(spec)
    try:
        model = factory.load(directory)
    except OpenzooError:
        raise
    except SystemExit as exc:
        raise PluginError(
            f"{qualified_name(spec)}: the plugin called sys.exit({exc.code!r}) while loading {directory}; report it "
            "to the plugin's authors"
        ) from None
    except Exception as exc:  # noqa: BLE001 -- a plugin failing on our files means they are damaged
        names = f" ({', '.join(path.name for path in files)})" if files else ""
        raise BadInputError(
            f"cannot load the model saved in {directory}{names}: {type(exc).__name__}: {str(exc).rstrip('. ')}. "
            "The directory is incomplete or corrupt; restore it or train again"
        ) from None
    check_loaded_weights(model.module, files, model=spec.name, directory=directory)
    return model


#: How often a reader loads again when a training run replaced the checkpoint while it was being read.
_READ_ATTEMPTS = 3


def _identity(directory: Path) -> tuple[int, ...] | None:
    """Return what changes when a writer swaps ``directory`` (or the checkpoint holding it) for a new one."""
    try:
        return tuple((s.st_dev, s.st_ino, s.st_mtime_ns) for s in (directory.stat(), directory.parent.stat()))
    except OSError:
        return None


def _load_settled_model(registry: Registry, spec: ModelSpec, run: RunDir) -> Any:
    """Load the run's model, again when a training run swapped its checkpoint in while it was being read.

    A reader never takes the run's lock, so ``train`` may replace ``checkpoints/last`` mid-read; the
    files read are then a mix of two checkpoints, or gone. That shows as a changed directory: load again.
    """
    for attempt in range(1, _READ_ATTEMPTS + 1):
        source = run.model_source()
        before = _identity(source)
        try:
            model = load_saved_model(registry, spec, source)
        except (BadInputError, OSError):
            if attempt < _READ_ATTEMPTS and _identity(source) != before:
                continue
            raise
        if _identity(source) == before:
            return model
    raise BadInputError(
        f"the checkpoint {run.model_source()} was replaced {_READ_ATTEMPTS} times while it was being read "
        "(a training run is writing this run directory); run the command again when it has finished, "
        "or read a copy of the checkpoint"
    )


def load_run(
    path: str | os.PathLike[str],
    *,
    registry: Registry,
    device: str = "auto",
    precision: str | None = None,
    compile: bool = False,
) -> LoadedRun:
    """Load the model of a run directory onto ``device``.

    :raises BadInputError: for a missing or corrupt run directory, a model whose plugin is not
        installed, or a model directory its plugin cannot load.
    """
    run = RunDir(path)
    config = run.read_config()
    model_entry = config.get("model") or {}
    if not isinstance(model_entry, dict) or not isinstance(model_entry.get("name"), str):
        raise BadInputError(f"run configuration {run.config_path} is corrupt: model.name is missing")
    spec = recorded_spec(registry, "models", model_entry, str(run.config_path))
    plan = resolve_device(registry, device, precision or "fp32", spec)
    check_compile(spec, compile)
    model = _load_settled_model(registry, spec, run)
    placed = _place(model, plan)
    if compile:
        compile_module(model.module)
    return LoadedRun(
        model=model,
        spec=spec,
        task=registry.task(spec.task),
        device=placed,
        device_plan=plan,
        config=config,
        path=run.path,
    )


def build_model(
    registry: Registry,
    name: str,
    *,
    preset: str | None,
    options: Mapping[str, Any],
    dataset: Any,
    pretrained: str | None,
    seed: int = 0,
    device: str = "auto",
    precision: str | None = None,
    compile: bool = False,
) -> LoadedRun:
    """Create a fresh model from its spec (a preset, or ``pretrained`` weights) for evaluation or prediction."""
    spec, chosen = resolve_model(registry, name, preset)
    plan = resolve_device(registry, device, precision or "fp32", spec)
    check_compile(spec, compile)
    seed_everything(seed, plan.backend)
    factory = registry.resolve(spec)
    model = factory.create(config=model_config(spec, chosen, options), dataset=dataset, pretrained=pretrained)
    placed = _place(model, plan)
    if compile:
        compile_module(model.module)
    return LoadedRun(model=model, spec=spec, task=registry.task(spec.task), device=placed, device_plan=plan)


def compile_loaded(loaded: LoadedRun) -> LoadedRun:
    """Compile an already loaded run's module in place (see :mod:`openzoo.engine.compiling`).

    :raises BadInputError: for a model without the ``torch_compile`` capability.
    """
    check_compile(loaded.spec, True)
    compile_module(loaded.model.module)
    return loaded
