"""``openzoo export``: parse, check the extra, call :func:`openzoo.serving.onnx_export.export_run`, render."""

from __future__ import annotations

import json

import click

__all__ = ["export"]


@click.command()
@click.argument("run_dir", metavar="RUN_DIR")
@click.option("--format", "fmt", type=click.Choice(["onnx"]), default="onnx", show_default=True, help="Export format.")
@click.option("--out", required=True, metavar="DIR", help="Directory to create (must not exist, or be empty).")
@click.option(
    "--tolerance",
    type=float,
    default=1e-4,
    show_default=True,
    help="Largest max-abs difference between onnxruntime and torch outputs (fp32) accepted.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the export report as JSON.")
def export(run_dir: str, fmt: str, out: str, tolerance: float, as_json: bool) -> None:
    """Export a run's model to ONNX and verify it with onnxruntime.

    \b
    The graph takes what the model's collate gives (pixel_values, input_ids ...) with a
    dynamic batch axis (and sequence axis for token inputs) and returns the task's first
    output (logits or scores). It is kept only when onnxruntime matches torch on the
    run's dataset examples within --tolerance. Needs: pip install 'openzoo[onnx]'.

    \b
    Examples:
      openzoo export runs/vit-digits-20250101-120000 --format onnx --out exports/vit
      openzoo serve runs/vit-digits-20250101-120000 --onnx exports/vit
    """
    from openzoo.serving.extras import require_extra

    require_extra("onnx", f"openzoo export --format {fmt}")
    if not tolerance > 0:
        raise click.BadParameter(f"must be greater than 0; got {tolerance}", param_hint="--tolerance")
    from openzoo.cli import context_registry
    from openzoo.engine.progress import format_table
    from openzoo.serving.onnx_export import export_run

    report = export_run(run_dir, out, context_registry(click.get_current_context()), tolerance=tolerance)
    if as_json:
        click.echo(json.dumps({"path": report.path, "max_abs_diff": report.max_abs_diff, **_fields(report)}, indent=2))
        return
    rows = [
        ["export", f"{report.path}/model.onnx ({report.exporter} exporter)"],
        ["inputs", ", ".join(f"{i['name']} {i['dtype']}{i['shape']}" for i in report.inputs)],
        ["outputs", ", ".join(o["name"] for o in report.outputs)],
    ]
    for entry in report.verification:
        worst = max(entry["max_abs_diff"].values())
        rows.append([f"batch of {entry['batch_size']}", f"max abs diff {worst:.3g} (tolerance {report.tolerance:g})"])
    click.echo(format_table(rows))


def _fields(report: object) -> dict[str, object]:
    from dataclasses import asdict

    return asdict(report)  # type: ignore[call-overload]
