"""``openzoo export --format onnx``: the model's forward pass as an ONNX graph, checked with onnxruntime.

Through the contract only: examples of the run's dataset go through
``model.collate``; the batch's tensors without the task's targets (and ``meta``)
become the graph's inputs, and the task's outputs (``logits`` / ``scores``) that
``model.module(**batch)`` returns become its outputs. The graph is exported with
``torch.onnx.export(..., dynamo=True)`` (torch.export, translated by onnxscript) with a
dynamic batch axis on every input and a dynamic sequence axis on 2-D integer
inputs (token ids and masks). ``dynamo=True`` is the exporter torch develops; when
torch.export cannot trace a forward (data-dependent shapes, as the recommender's
ranking mask), the deprecated TorchScript tracer (``dynamo=False``) is tried, and
the manifest records which one made the graph.

The export is verified before it is kept: onnxruntime runs it on the traced batch
and on a batch of another size (and sequence length), and every output must match
torch within ``tolerance`` (max abs difference, fp32). The files are written to a
temporary directory and renamed into place, so a failed export leaves nothing.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, final

import numpy as np
import torch

from openzoo.engine import components as comp
from openzoo.engine.loading import LoadedRun
from openzoo.engine.rundir import RunDir, replace_directory
from openzoo.errors import BadInputError, OpenzooError
from openzoo.plugins import Registry
from openzoo.specs import TaskSpec

__all__ = [
    "EXPORT_FILE",
    "MANIFEST_FILE",
    "ExportError",
    "ExportReport",
    "export_model",
    "export_onnx",
    "export_run",
    "run_examples",
    "weights_digest",
]

#: The ONNX graph inside an export directory.
EXPORT_FILE = "model.onnx"
#: What the export is: model, run, inputs, outputs, verification (JSON).
MANIFEST_FILE = "openzoo-export.json"
#: Default verification tolerance: max abs difference of fp32 outputs.
TOLERANCE = 1e-4
#: Examples in the traced batch, and in the verification batch of another size.
TRACE_EXAMPLES, CHECK_EXAMPLES = 2, 5


class ExportError(OpenzooError):
    """The export failed, or onnxruntime disagrees with torch (exit code 1)."""


@final
@dataclass(frozen=True, slots=True)
class ExportReport:
    """What :func:`export_onnx` wrote and how it was verified."""

    #: The export directory.
    path: str
    #: Model name.
    model: str
    #: Graph inputs: name, dtype and shape with the dynamic axes named.
    inputs: list[dict[str, Any]]
    #: Graph outputs, as :attr:`inputs`.
    outputs: list[dict[str, Any]]
    #: One entry per verification batch: its batch size, input shapes and max abs difference per output.
    verification: list[dict[str, Any]]
    #: The tolerance the differences were held to.
    tolerance: float
    #: SHA-256 of the run's weights files, so ``serve --onnx`` can tell an export of other weights.
    weights_sha256: str
    #: ``dynamo`` (torch.export) or ``torchscript`` (the fallback for forwards torch.export cannot trace).
    exporter: str = "dynamo"
    #: Versions of torch and onnxruntime that made and checked the export.
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def max_abs_diff(self) -> float:
        """The largest difference over every batch and output."""
        return max((d for entry in self.verification for d in entry["max_abs_diff"].values()), default=0.0)


class _Forward(torch.nn.Module):
    """``module(**dict(zip(names, tensors)))`` as positional inputs and a tuple of the chosen outputs."""

    def __init__(self, module: torch.nn.Module, input_names: Sequence[str], output_names: Sequence[str]) -> None:
        super().__init__()
        self.module = module
        self.input_names = list(input_names)
        self.output_names = list(output_names)

    def forward(self, *tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outputs = self.module(**dict(zip(self.input_names, tensors)))
        return tuple(outputs[name] for name in self.output_names)


def export_run(
    run_dir: str | os.PathLike[str], out: str | os.PathLike[str], registry: Registry, *, tolerance: float = TOLERANCE
) -> ExportReport:
    """Load a run on the CPU in fp32 and export it (see :func:`export_onnx`), with its dataset's examples."""
    from openzoo.engine.loading import load_run

    target = Path(out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BadInputError(f"--out {target} exists and is not empty; choose a new directory")
    loaded = load_run(run_dir, registry=registry, device="cpu", precision="fp32")
    return export_onnx(loaded, target, run_examples(loaded, registry, CHECK_EXAMPLES), tolerance=tolerance)


def run_examples(loaded: LoadedRun, registry: Registry, count: int) -> list[Any]:
    """Return ``count`` examples of the run's dataset (its test split, else its last), with the run's options.

    :raises BadInputError: when the dataset cannot be loaded or has too few examples.
    """
    stored = loaded.config.get("dataset") or {}
    name = stored.get("name")
    if not isinstance(name, str):
        raise BadInputError(f"run {loaded.path}: config.json names no dataset to take example inputs from")
    source = comp.load_source(registry, registry.dataset(name), stored.get("options") or {})
    splits = list(source.splits())
    split = "test" if "test" in splits else splits[-1]
    examples = list(comp.load_split(source, split, name))
    if len(examples) < count:
        examples = [*examples, *comp.load_split(source, splits[0], name)]
    if len(examples) < count:
        raise BadInputError(f"dataset {name!r} has {len(examples)} examples; exporting needs {count}")
    return examples[:count]


def weights_digest(loaded: LoadedRun) -> str:
    """Return the SHA-256 over the run's saved weights files (``*.safetensors``, sorted by name)."""
    if loaded.path is None:
        return ""
    digest = hashlib.sha256()
    for path in sorted(RunDir(loaded.path).model_source().glob("*.safetensors")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def export_onnx(
    loaded: LoadedRun, out: str | os.PathLike[str], examples: Sequence[Any], *, tolerance: float = TOLERANCE
) -> ExportReport:
    """Export ``loaded``'s forward pass to ``out/model.onnx`` and verify it with onnxruntime.

    :param examples: at least ``TRACE_EXAMPLES + 1`` examples of the task (see :func:`run_examples`);
        the first ``TRACE_EXAMPLES`` are traced, all of them form the batch of another size.
    :raises BadInputError: when ``out`` exists and is not empty, or the model's batch has no tensors.
    :raises ExportError: when torch cannot export the module or onnxruntime's outputs differ.
    """
    return export_model(
        loaded.model,
        name=loaded.spec.name,
        task=loaded.task,
        examples=examples,
        out=out,
        tolerance=tolerance,
        run=str(loaded.path) if loaded.path else None,
        weights_sha256=weights_digest(loaded),
    )


def export_model(
    model: Any,
    *,
    name: str,
    task: TaskSpec,
    examples: Sequence[Any],
    out: str | os.PathLike[str],
    tolerance: float = TOLERANCE,
    run: str | None = None,
    weights_sha256: str = "",
) -> ExportReport:
    """Export a model instance (anything following :class:`openzoo.protocols.Model`); see :func:`export_onnx`."""
    target = Path(out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BadInputError(f"--out {target} exists and is not empty; choose a new directory")
    if len(examples) <= TRACE_EXAMPLES:
        raise BadInputError(f"exporting needs more than {TRACE_EXAMPLES} example inputs; got {len(examples)}")
    module = model.module.float().eval()
    device = next(iter(module.parameters()), torch.zeros(0)).device
    traced_batch = _graph_inputs(model, task, name, examples[:TRACE_EXAMPLES], device)
    check_batch = _graph_inputs(model, task, name, examples, device)
    input_names = list(traced_batch)
    with torch.no_grad():
        probe = module(**traced_batch)
    output_names = list(task.outputs)[:1]  # logits / scores: what predictions come from
    if not _is_tensor_output(probe, output_names[0]):
        raise ExportError(
            f"model {name!r}: module(**batch) returned no tensor {output_names[0]!r}, the first output of task {task.name!r}"
        )
    wrapper = _Forward(module, input_names, output_names).eval()
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.tmp-", dir=parent) as tmp:
        graph = Path(tmp) / EXPORT_FILE
        exporter = _export(wrapper, traced_batch, graph, name)
        verification = [
            _verify(wrapper, graph, batch, output_names, tolerance, name) for batch in (traced_batch, check_batch)
        ]
        report = ExportReport(
            path=str(target),
            model=name,
            inputs=[_describe(key, tensor, _dynamic_axes(tensor)) for key, tensor in traced_batch.items()],
            outputs=[{"name": key} for key in output_names],
            verification=verification,
            tolerance=tolerance,
            weights_sha256=weights_sha256,
            exporter=exporter,
            versions=_versions(),
        )
        manifest = {"format": 1, "run": run, **asdict(report)}
        (Path(tmp) / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        replace_directory(Path(tmp), target)
    return report


def _graph_inputs(
    model: Any, task: TaskSpec, name: str, examples: Sequence[Any], device: torch.device
) -> dict[str, torch.Tensor]:
    batch = model.collate(list(examples))
    skipped = (set(task.targets) - _required_arguments(model.module)) | {"meta"}
    inputs = {k: v for k, v in batch.items() if k not in skipped and isinstance(v, torch.Tensor)}
    if not inputs:
        raise BadInputError(f"model {name!r}: collate gave no input tensors to export; got keys {sorted(batch)}")
    return {k: v.to(device) for k, v in inputs.items()}


def _required_arguments(module: torch.nn.Module) -> set[str]:
    """Names ``module.forward`` cannot do without: a target the forward requires is an input too."""
    try:
        parameters = inspect.signature(module.forward).parameters.values()
    except (TypeError, ValueError):
        return set()
    return {
        p.name
        for p in parameters
        if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD and p.kind is not p.VAR_POSITIONAL
    }


def _is_tensor_output(outputs: Any, name: str) -> bool:
    try:
        return isinstance(outputs[name], torch.Tensor)
    except (KeyError, TypeError, IndexError):
        return False


def _dynamic_axes(tensor: torch.Tensor) -> dict[int, str]:
    """Batch on axis 0; sequence on axis 1 of 2-D integer tensors (token ids, masks)."""
    axes = {0: "batch"}
    if tensor.ndim == 2 and not tensor.is_floating_point():
        axes[1] = "sequence"
    return axes


def _describe(name: str, tensor: torch.Tensor, axes: Mapping[int, str]) -> dict[str, Any]:
    shape = [axes.get(i, size) for i, size in enumerate(tensor.shape)]
    return {"name": name, "dtype": str(tensor.dtype).removeprefix("torch."), "shape": shape}


def _export(wrapper: _Forward, batch: Mapping[str, torch.Tensor], graph: Path, model: str) -> str:
    """Export with torch.export (dynamo); fall back to the TorchScript tracer; return which one worked."""
    dims = {"batch": torch.export.Dim("batch"), "sequence": torch.export.Dim("sequence")}
    dynamic_shapes = tuple({i: dims[n] for i, n in _dynamic_axes(t).items()} for t in batch.values())
    arguments = tuple(batch.values())
    names = {"input_names": list(batch), "output_names": wrapper.output_names}
    try:
        with torch.no_grad(), warnings.catch_warnings(), _quiet_torch_logs():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                wrapper, arguments, dynamo=True, dynamic_shapes=(dynamic_shapes,), verbose=False, **names
            )
            program.save(str(graph), external_data=False)
        return "dynamo"
    except Exception as exc:  # noqa: BLE001 -- torch.export raises many types; all mean "try the tracer"
        dynamo_error = f"{type(exc).__name__}: {next(iter(str(exc).strip().splitlines()), '')}"
    axes = {name: _dynamic_axes(tensor) for name, tensor in batch.items()}
    axes.update({name: {0: "batch"} for name in wrapper.output_names})
    try:
        with torch.no_grad(), warnings.catch_warnings(), _quiet_torch_logs():
            warnings.simplefilter("ignore")
            torch.onnx.export(wrapper, arguments, str(graph), dynamo=False, dynamic_axes=axes, **names)
        return "torchscript"
    except Exception as exc:
        raise ExportError(
            f"model {model!r}: torch.onnx.export failed with torch.export ({dynamo_error}) and with the "
            f"TorchScript tracer ({type(exc).__name__}: {next(iter(str(exc).strip().splitlines()), '')}); "
            "the module's forward must be traceable with a dynamic batch axis"
        ) from exc


@contextmanager
def _quiet_torch_logs() -> Iterator[None]:
    """Silence torch's loggers while exporting: a failed attempt logs whole graphs, the error says enough."""
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict) if name.startswith("torch")]
    loggers.append(logging.getLogger("torch"))
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _verify(
    wrapper: _Forward,
    graph: Path,
    batch: Mapping[str, torch.Tensor],
    output_names: Sequence[str],
    tolerance: float,
    model: str,
) -> dict[str, Any]:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(graph), providers=["CPUExecutionProvider"])
    feed = {key: tensor.detach().cpu().numpy() for key, tensor in batch.items()}
    entry: dict[str, Any] = {
        "batch_size": int(next(iter(batch.values())).shape[0]),
        "shapes": {key: list(tensor.shape) for key, tensor in batch.items()},
    }
    try:
        got = session.run(list(output_names), feed)
    except Exception as exc:
        first = next(iter(str(exc).strip().splitlines()), "")
        raise ExportError(
            f"model {model!r}: onnxruntime cannot run the export on a batch of {entry['batch_size']} with input shapes "
            f"{entry['shapes']} ({type(exc).__name__}: {first}); the traced graph froze a shape or value of the "
            "traced batch"
        ) from exc
    with torch.no_grad():
        expected = [t.detach().float().cpu().numpy() for t in wrapper(*batch.values())]
    differences = {key: _max_abs_diff(e, g) for key, e, g in zip(output_names, expected, got)}
    entry["max_abs_diff"] = differences
    worst = max(differences.values())
    if not worst <= tolerance:
        raise ExportError(
            f"model {model!r}: onnxruntime's outputs differ from torch's by {worst:.3g} (tolerance {tolerance:g}) "
            f"on a batch of {entry['batch_size']} with input shapes {entry['shapes']}; the export is not kept"
        )
    return entry


def _max_abs_diff(expected: np.ndarray, got: np.ndarray) -> float:
    if expected.shape != got.shape:
        return float("inf")
    same = (expected == got) | (np.isnan(expected) & np.isnan(got))  # equal infinities count as equal
    difference = np.where(same, 0.0, np.abs(expected.astype(np.float64) - got.astype(np.float64)))
    return float(np.nan_to_num(difference, nan=np.inf).max(initial=0.0))


def _versions() -> dict[str, str]:
    import onnxruntime

    return {"torch": torch.__version__, "onnxruntime": onnxruntime.__version__}
