"""``openzoo serve``: parse the options, check the extra, and call :func:`openzoo.serving.server.serve`."""

from __future__ import annotations

import click

from openzoo.specs import PRECISIONS

__all__ = ["serve"]


@click.command()
@click.argument("run_dir", metavar="RUN_DIR")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (0.0.0.0: every interface).")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port.")
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes, each with the model.")
@click.option(
    "--max-batch-size",
    default=32,
    show_default=True,
    type=int,
    help="Most inputs per model call, and per request (1 turns batching off).",
)
@click.option(
    "--batch-timeout-ms",
    default=5.0,
    show_default=True,
    type=float,
    help="How long a batch waits for more requests after its first.",
)
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, mps or a plugin's device.")
@click.option("--precision", type=click.Choice(PRECISIONS), help="Autocast precision (default fp32).")
@click.option(
    "--onnx", "onnx_dir", metavar="DIR", help="Run the forward pass on onnxruntime from 'openzoo export' DIR."
)
@click.option("--max-body-bytes", default=16 * 1024 * 1024, show_default=True, type=int, help="Largest request body.")
@click.option("--max-prompt-chars", default=4096, show_default=True, type=int, help="Longest text input or prompt.")
@click.option("--max-new-tokens", default=512, show_default=True, type=int, help="Most new tokens a request may ask.")
def serve(run_dir: str, **flags: object) -> None:
    """Serve a run directory's model over HTTP until Ctrl-C.

    \b
    Endpoints: GET /health, GET /v1/model, POST /v1/predict, POST /v1/completions
    (text generation, OpenAI-compatible, streams with "stream": true), GET /metrics
    (Prometheus) and the API docs at /docs. Needs: pip install 'openzoo[serve]'.

    \b
    Examples:
      openzoo serve runs/vit-digits-20250101-120000
      openzoo serve runs/gpt-shakespeare --port 9000 --max-new-tokens 256
      curl -s localhost:8000/v1/predict -H 'content-type: application/json' \\
           -d '{"inputs": ["a gripping, funny film"]}'
    """
    from openzoo.serving.extras import require_extra

    require_extra("serve", "openzoo serve")
    if flags.get("onnx_dir"):
        require_extra("onnx", "openzoo serve --onnx")
    from openzoo.cli import context_registry
    from openzoo.serving.server import serve as run_server
    from openzoo.serving.settings import ServeSettings

    settings = ServeSettings(run_dir=run_dir, **flags)  # type: ignore[arg-type]
    run_server(settings, registry=context_registry(click.get_current_context()))
