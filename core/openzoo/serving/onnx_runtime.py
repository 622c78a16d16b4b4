"""``openzoo serve --onnx DIR``: run the module's forward pass on onnxruntime.

:func:`attach_onnx` swaps the loaded model's ``module`` for an :class:`OnnxModule`
whose ``forward`` feeds the graph's inputs to an onnxruntime session and returns its
outputs as tensors; the plugin's ``predict`` (preprocessing, top-k, labels) runs
unchanged around it. Other attributes the plugin reads from its module (its
``config``) still come from the torch module.

Only the classification tasks are served this way: their ``predict`` is one
forward pass. A generation model's ``predict`` calls ``generate``, and the
recommender ranks with other methods, neither of which would run on the export.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from openzoo.engine.loading import LoadedRun
from openzoo.errors import BadInputError, PluginError
from openzoo.serving.onnx_export import EXPORT_FILE, MANIFEST_FILE, weights_digest
from openzoo.tasks import IMAGE_CLASSIFICATION, TEXT_CLASSIFICATION

__all__ = ["ONNX_TASKS", "OnnxModule", "OnnxOutputs", "attach_onnx"]

#: Tasks whose ``predict`` is a single forward pass, so ``serve --onnx`` can run it on onnxruntime.
ONNX_TASKS = (IMAGE_CLASSIFICATION, TEXT_CLASSIFICATION)


class OnnxOutputs(dict):  # type: ignore[type-arg]
    """The graph's outputs by name, readable as ``out["logits"]`` and as ``out.logits`` (as Hugging Face's)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class OnnxModule(torch.nn.Module):
    """A ``torch.nn.Module`` whose forward pass is an onnxruntime session.

    It holds one empty parameter so ``next(module.parameters()).device`` tells the
    device inputs go to (the CPU); the torch module is kept, unregistered, for the
    attributes predict code reads from it.
    """

    def __init__(
        self, session: Any, input_names: list[str], output_names: list[str], original: torch.nn.Module
    ) -> None:
        super().__init__()
        self.__dict__["_original"] = original
        self.session = session
        self.input_names = input_names
        self.output_names = output_names
        self.anchor = torch.nn.Parameter(torch.zeros(0), requires_grad=False)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.__dict__["_original"], name)

    def forward(self, **inputs: Any) -> OnnxOutputs:
        missing = [name for name in self.input_names if inputs.get(name) is None]
        if missing:
            raise PluginError(f"the ONNX graph needs inputs {missing}; predict passed {sorted(inputs)}")
        feed = {name: _numpy(inputs[name]) for name in self.input_names}
        results = self.session.run(self.output_names, feed)
        return OnnxOutputs({name: torch.from_numpy(value) for name, value in zip(self.output_names, results)})


def attach_onnx(loaded: LoadedRun, directory: str | os.PathLike[str]) -> None:
    """Run ``loaded``'s forward pass on the export in ``directory`` from now on.

    :raises BadInputError: for a directory without an export, an export of another model or
        other weights, a task ``serve --onnx`` does not support, or a model not on the CPU.
    """
    import onnxruntime

    path = Path(directory)
    manifest_path = path / MANIFEST_FILE
    if not (path / EXPORT_FILE).is_file() or not manifest_path.is_file():
        raise BadInputError(
            f"--onnx {path} holds no export ({EXPORT_FILE} and {MANIFEST_FILE}); run 'openzoo export' first"
        )
    if loaded.task.name not in ONNX_TASKS:
        raise BadInputError(
            f"--onnx serves {', '.join(ONNX_TASKS)} models; model {loaded.spec.name!r} does {loaded.task.name}, "
            "whose predict needs more than the exported forward pass. Serve it without --onnx"
        )
    if loaded.device.type != "cpu":
        raise BadInputError("--onnx runs on the CPU; pass --device cpu")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{manifest_path} is unreadable ({exc}); export again") from None
    if manifest.get("model") != loaded.spec.name or manifest.get("weights_sha256") != weights_digest(loaded):
        raise BadInputError(
            f"--onnx {path} was exported from other weights (model {manifest.get('model')!r}, run {manifest.get('run')}) "
            f"than {loaded.path}; export this run again with 'openzoo export {loaded.path} --out DIR'"
        )
    session = onnxruntime.InferenceSession(str(path / EXPORT_FILE), providers=["CPUExecutionProvider"])
    input_names = [i["name"] for i in manifest["inputs"]]
    output_names = [o["name"] for o in manifest["outputs"]]
    loaded.model.module = OnnxModule(session, input_names, output_names, loaded.model.module).eval()


def _numpy(value: Any) -> Any:
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value
