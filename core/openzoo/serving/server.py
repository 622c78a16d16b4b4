"""Load a run and serve it with uvicorn: ``openzoo serve``'s one function, :func:`serve`.

One worker serves the app in this process. With ``workers > 1`` uvicorn starts
that many processes, each of which loads the model (:func:`app_from_environment`
reads the settings from ``OPENZOO_SERVE_SETTINGS``) and reports its metrics into
a shared ``PROMETHEUS_MULTIPROC_DIR``, so ``/metrics`` sums them.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from typing import Any

from openzoo.engine.loading import LoadedRun, load_run
from openzoo.engine.rundir import RunDir
from openzoo.plugins import Registry, default_registry
from openzoo.serving.settings import ServeSettings

__all__ = ["app_from_environment", "build_app", "load_for_serving", "serve"]

#: Environment variable carrying the settings to worker processes (JSON).
SETTINGS_VARIABLE = "OPENZOO_SERVE_SETTINGS"


def load_for_serving(settings: ServeSettings, registry: Registry | None = None) -> tuple[LoadedRun, str]:
    """Return the loaded run and the name of the backend running its forward pass.

    With ``settings.onnx_dir`` the module's forward pass runs on onnxruntime
    (:func:`openzoo.serving.onnx_runtime.attach_onnx`); otherwise on torch.

    :raises BadInputError: for a missing or corrupt run, or an export of another model.
    """
    loaded = load_run(
        settings.run_dir, registry=registry or default_registry(), device=settings.device, precision=settings.precision
    )
    if settings.onnx_dir is None:
        return loaded, "torch"
    from openzoo.serving.onnx_runtime import attach_onnx

    attach_onnx(loaded, settings.onnx_dir)
    return loaded, "onnxruntime"


def build_app(settings: ServeSettings, registry: Registry | None = None) -> Any:
    """Load the run and return the ASGI app serving it."""
    from openzoo.serving.app import create_app

    loaded, backend = load_for_serving(settings, registry)
    return create_app(loaded, settings, backend=backend)


def app_from_environment() -> Any:
    """Return the app for a uvicorn worker process, from :data:`SETTINGS_VARIABLE`."""
    return build_app(ServeSettings.from_json(json.loads(os.environ[SETTINGS_VARIABLE])))


def serve(settings: ServeSettings, registry: Registry | None = None) -> None:
    """Serve the run until interrupted (Ctrl-C or SIGTERM stop it gracefully).

    :raises BadInputError: for a missing or corrupt run directory, before any port is opened.
    """
    import uvicorn

    RunDir(settings.run_dir).read_config()  # a bad run directory fails here, with exit code 2
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "access_log": False,
        "timeout_graceful_shutdown": 10,
        "h11_max_incomplete_event_size": 64 * 1024,
    }
    if settings.workers == 1:
        app = build_app(settings, registry)
        _announce(settings)
        uvicorn.run(app, **options)
        return
    with tempfile.TemporaryDirectory(prefix="openzoo-metrics-") as metrics_dir:
        os.environ[SETTINGS_VARIABLE] = json.dumps(settings.to_json())
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        _announce(settings)
        uvicorn.run("openzoo.serving.server:app_from_environment", factory=True, workers=settings.workers, **options)


def _announce(settings: ServeSettings) -> None:
    where = f"http://{settings.host}:{settings.port}"
    logging.getLogger("openzoo.serving").info("serving %s", settings.run_dir)
    print(f"openzoo serve: {settings.run_dir} at {where} (API docs at {where}/docs)", file=sys.stderr, flush=True)
