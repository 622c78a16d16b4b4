"""Checks of deployment: the model's forward pass exports to ONNX and onnxruntime agrees with torch.

Selected by the capability ``onnx``. The export is the one ``openzoo export --format onnx``
makes (:func:`openzoo.serving.onnx_export.export_model`), so a model that passes
here exports for its users too.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

from openzoo.conformance.declaration import CheckSkipped, Measurement, check, fail
from openzoo.conformance.model_checks import prepared
from openzoo.conformance.subjects import ModelSubject

__all__ = ["check_model_onnx_export_round_trips"]


@check(kind="model", level="recommended", applies_to="every test preset, with the capability 'onnx'")
def check_model_onnx_export_round_trips(subject: ModelSubject, *, preset: str) -> Measurement:
    """The forward pass exports to ONNX with a dynamic batch axis, and onnxruntime matches torch within 1e-4.

    Why: ``openzoo export --format onnx`` promises users a graph that runs without
    torch and gives the same logits (or scores); a forward that reads values back into
    Python (``.item()``, ``.tolist()``, numpy) or branches on them is frozen at the traced
    batch and answers other batches wrongly. The check exports a batch of 2 examples and
    runs onnxruntime on it and on a batch of 5 (another size and sequence length),
    comparing fp32 outputs. Skipped when ``openzoo[onnx]`` is not installed. Fix: keep
    forward in tensor operations, with shapes taken from tensors; or remove ``onnx``
    from ``ModelSpec.capabilities``.
    """
    missing = [name for name in ("onnx", "onnxscript", "onnxruntime") if importlib.util.find_spec(name) is None]
    if missing:
        raise CheckSkipped(f"the ONNX tools are not installed ({', '.join(missing)}); pip install 'openzoo[onnx]'")
    from openzoo.serving.onnx_export import CHECK_EXAMPLES, TOLERANCE, ExportError, export_model

    model, _, examples = prepared(subject, preset, n=CHECK_EXAMPLES)
    with tempfile.TemporaryDirectory(prefix="openzoo-onnx-check-") as tmp:
        try:
            report = export_model(
                model, name=subject.spec.name, task=subject.task, examples=examples, out=Path(tmp) / "export"
            )
        except ExportError as exc:
            raise fail(
                subject,
                f"the forward pass must export to ONNX and match torch in onnxruntime within {TOLERANCE:g}",
                str(exc),
                "compute with tensor operations only (no .item(), .tolist() or numpy in forward), "
                "or remove 'onnx' from ModelSpec.capabilities",
            ) from exc
    return Measurement(error=report.max_abs_diff, tolerance=TOLERANCE)
