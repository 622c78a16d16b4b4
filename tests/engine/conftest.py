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
