"""Fixtures of the engine tests: a registry with the ``ozengine`` fixture plugin, and quick trainers.

The fixture plugin lives in ``tests/engine/fixture/ozengine`` (a tiny image MLP, a
streaming echo model, a blobs dataset and an error-rate metric); it is put on
``sys.path`` for each test and registered next to core's builtins (devices,
metrics, toy datasets) through :func:`openzoo.plugins.load_registry`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from openzoo.plugins import PluginSource, Registry, load_registry

FIXTURE_DIR = Path(__file__).parent / "fixture"


def fixture_source() -> PluginSource:
    """The ``ozengine`` fixture plugin as a plugin source."""
    return PluginSource(
        name="ozengine",
        dist="ozengine",
        version="0.1.0",
        load=lambda: importlib.import_module("ozengine"),
        value="ozengine",
    )


@pytest.fixture
def fixture_path(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the fixture plugin on ``sys.path`` and return its directory."""
    monkeypatch.syspath_prepend(str(FIXTURE_DIR))
    return FIXTURE_DIR


@pytest.fixture
def registry(fixture_path: Path) -> Registry:
    """Core's builtins plus the ``ozengine`` fixture plugin, and nothing installed."""
    return load_registry(sources=[fixture_source()], strict=True)


#: Small, fast defaults for training runs in tests.
FAST = {"dataset": "toy-images", "options": {"dataset.size": 60}, "quiet": True}


@pytest.fixture
def train_run(registry: Registry, tmp_path: Path) -> Callable[..., Any]:
    """Return ``train(out_name="run", **overrides) -> Run`` training ``ozmlp.tiny`` on a small toy-images split."""
    from openzoo.engine import api

    def train(out_name: str = "run", **overrides: Any) -> Any:
        arguments: dict[str, Any] = {"model": "ozmlp.tiny", **FAST, "out": tmp_path / out_name, **overrides}
        return api.train(registry=registry, **arguments)

    return train


@pytest.fixture
def invoke(fixture_path: Path) -> Callable[..., Result]:
    """Return ``invoke(*args) -> Result`` running the ``openzoo`` CLI with the fixture plugin installed."""
    from openzoo.cli import cli

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), obj={"plugin_sources": [fixture_source()]})

    return run


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Any:
    """Run torch on one thread: tiny models are much faster so on a shared machine, and results are stable."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment in which a fresh ``openzoo`` process discovers ``ozengine`` as an installed plugin.

    A fake ``ozengine`` distribution (its ``dist-info`` with the ``openzoo`` entry point) goes into a
    site directory on ``PYTHONPATH``, next to the fixture's modules; torch runs on one thread.
    """
    import os

    site = tmp_path_factory.mktemp("site")
    info = site / "ozengine-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ozengine\nVersion: 0.1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[openzoo]\nozengine = ozengine\n", encoding="utf-8")
    (info / "RECORD").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENZOO_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(FIXTURE_DIR), *filter(None, [env.get("PYTHONPATH")])])
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


@pytest.fixture(scope="session")
def cli_process() -> Any:
    """The helpers of ``cli_process.py`` (run the real CLI in a child process, with named patches)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("openzoo_tests_cli_process", Path(__file__).parent / "cli_process.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
