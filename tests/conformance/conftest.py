"""Fixtures of the conformance self-tests: the fixture plugins, loaded into a fresh registry."""

from __future__ import annotations

import importlib
import os
import pickle
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import openzoo.plugins
from openzoo.plugins import PluginSource, Registry, load_registry

FIXTURES = Path(__file__).parent / "fixtures"
#: Entry-point name -> module, as the fixture distribution's entry_points.txt declares.
FIXTURE_PLUGINS = {
    line.split("=")[0].strip(): line.split("=")[1].strip()
    for line in (FIXTURES / "openzoo_fixtures-0.1.0.dist-info" / "entry_points.txt").read_text().splitlines()
    if "=" in line
}


def fixture_sources(plugins: dict[str, str], dist: str) -> list[PluginSource]:
    """Plugin sources of fixture ``plugins`` (entry-point name -> module), as distribution ``dist`` 0.1.0."""
    return [
        PluginSource(
            name=name,
            dist=dist,
            version="0.1.0",
            load=lambda module=module: importlib.import_module(module),
            requires=("openzoo<0.2,>=0.1",),
            value=module,
        )
        for name, module in plugins.items()
    ]


def ozfix_sources() -> list[PluginSource]:
    return fixture_sources(FIXTURE_PLUGINS, "openzoo-fixtures")


@pytest.fixture(scope="session")
def fixture_path() -> Iterator[Path]:
    """The fixture distribution's directory, on ``sys.path`` while a test that uses it runs (probes inherit it).

    The fixture plugins redefine core's tasks, so they must be gone -- and the process-wide registry
    forgotten -- whenever a test that does not use them runs in the same process: the other suites of
    the same pytest run discover the installed plugins. The hooks below put the directory on
    ``sys.path`` before each test that uses this fixture and take it away after it unless the next test
    uses it too, so the order tests run in (or pytest-xdist's distribution of them) does not matter.
    """
    _remember_fixtures()
    try:
        yield FIXTURES
    finally:
        _forget_fixtures()


def _uses_fixtures(item: pytest.Item | None) -> bool:
    """Whether ``item`` is a test of this directory that uses :func:`fixture_path` (other suites have their own)."""
    if item is None or Path(__file__).parent not in Path(item.path).parents:
        return False
    return "fixture_path" in getattr(item, "fixturenames", ())


def _remember_fixtures() -> None:
    if str(FIXTURES) not in sys.path:
        sys.path.insert(0, str(FIXTURES))
        importlib.invalidate_caches()


def _forget_fixtures() -> None:
    if str(FIXTURES) in sys.path:
        sys.path.remove(str(FIXTURES))
        importlib.invalidate_caches()
        openzoo.plugins._default = None


def pytest_runtest_setup(item: pytest.Item) -> None:
    if _uses_fixtures(item):
        _remember_fixtures()


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if not _uses_fixtures(nextitem):
        _forget_fixtures()


@pytest.fixture(scope="session")
def registry(fixture_path: Path) -> Registry:
    """A registry of the fixture plugins only (no builtins, no installed plugins)."""
    return load_registry(ozfix_sources(), builtins=False, disabled=(), strict=True, environ={})


@pytest.fixture(scope="session")
def registry_beside_base(fixture_path: Path) -> Callable[[dict[str, str], str], Registry]:
    """Return ``make(plugins, dist)``: a registry of fixture ``plugins`` (distribution ``dist``) and the base fixture."""

    def make(plugins: dict[str, str], dist: str) -> Registry:
        sources = fixture_sources({"fixture-base": "ozfix.base"}, "openzoo-fixtures") + fixture_sources(plugins, dist)
        return load_registry(sources, builtins=False, disabled=(), strict=True, environ={})

    return make


#: The checks that start a fresh interpreter importing torch (seconds each): the self-tests run them on
#: the clean fixtures and on those planted with a defect they catch, and leave them out elsewhere.
FRESH_INTERPRETER_CHECKS = [
    "check_plugin_leaves_process_state_unchanged",
    "check_plugin_runs_hermetically",
    "check_model_seed_gives_same_weights",
]

#: The fixtures whose seed check runs: it builds each model a second time in a fresh interpreter
#: (seconds each), so the other planted-defect fixtures leave it out to keep the self-test quick.
SEED_CHECKED = ("fixture-clean", "fixture-bad-init", "fixture-bad-process-seed")


@pytest.fixture(scope="session")
def fixture_reports(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The conformance reports of every fixture plugin but the base one, run once per test run.

    Three test files read them; pytest-xdist may send them to different workers, so the first
    worker to ask runs the suite (a minute of CPU) and leaves the reports, pickled, in the run's
    shared temporary directory for the others, under a file lock.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return _fixture_reports(registry)
    from filelock import FileLock  # torch's own dependency

    shared = tmp_path_factory.getbasetemp().parent / "ozfix-reports.pickle"
    with FileLock(f"{shared}.lock"):
        if shared.is_file():
            return pickle.loads(shared.read_bytes())
        reports = _fixture_reports(registry)
        partial = shared.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(reports))
        partial.replace(shared)
        return reports


def _fixture_reports(registry: Registry) -> dict:
    from openzoo.conformance import run_conformance

    names = [n for n in FIXTURE_PLUGINS if n != "fixture-base"]
    reports = run_conformance([n for n in names if n in SEED_CHECKED], registry=registry)
    reports += run_conformance(
        [n for n in names if n not in SEED_CHECKED],
        registry=registry,
        # the fixtures planted with these defects run them in test_mutation_score_checks.py
        deselect=FRESH_INTERPRETER_CHECKS,
    )
    return {report.plugin: report for report in reports}
