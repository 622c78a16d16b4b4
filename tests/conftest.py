"""Shared fixtures of openzoo's own tests.

Fake plugins, two ways (see ``tests/fixtures/plugins/README.md``):

- ``fixture_sources``: :class:`~openzoo.plugins.PluginSource` fakes for
  ``load_registry(sources=...)``, in process.
- ``install_fake_plugin``: writes a real, importable distribution -- a
  ``NAME-VERSION.dist-info`` directory with ``METADATA`` (``Requires-Dist`` lines)
  and ``entry_points.txt`` (group ``[openzoo]``), plus its module files -- into a
  site directory. Put that directory on ``PYTHONPATH`` of a subprocess (the
  ``plugin_env`` fixture builds such an environment) and ``openzoo`` discovers the
  plugin exactly as if it were pip-installed, with no pip and no network::

      def test_my_plugin_lists(install_fake_plugin, plugin_env, run_openzoo):
          site = install_fake_plugin(
              "openzoo-demo", version="0.3.0", requires=["openzoo>=0.1"],
              entry_points={"demo": "openzoo_demo"},
              files={"openzoo_demo.py": "from openzoo import hookimpl\\n..."},
          )
          result = run_openzoo(["plugins"], env=plugin_env(site))

- ``fixture_plugins_site``: every fixture plugin installed that way, once per session.
- ``run_openzoo``: runs the ``openzoo`` CLI in a fresh interpreter and reports
  whether ``torch`` (or any module named in ``watch``) was imported.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from openzoo.plugins import PluginSource

#: Directory holding the fixture plugins' modules.
FIXTURE_PLUGIN_DIR = Path(__file__).parent / "fixtures" / "plugins"


@dataclass(frozen=True)
class FixturePlugin:
    """How one fixture plugin is packaged: its distribution and entry point."""

    #: Entry-point name, which is also the module's name.
    module: str
    #: Distribution name.
    dist: str
    #: Distribution version.
    version: str = "1.0.0"
    #: ``Requires-Dist`` lines.
    requires: tuple[str, ...] = ("openzoo>=0.1",)
    #: Extra module files the plugin ships (its lazy references), besides ``module``.
    extra_modules: tuple[str, ...] = ()


#: Every fixture plugin, by a short key the tests use.
FIXTURE_PLUGINS: dict[str, FixturePlugin] = {
    "good": FixturePlugin("ozfix_good", "ozfix-good", "1.2.0", extra_modules=("ozfix_good_model", "ozfix_good_metric")),
    "import_error": FixturePlugin("ozfix_import_error", "ozfix-import-error"),
    "hook_raises": FixturePlugin("ozfix_hook_raises", "ozfix-hook-raises"),
    "misspelled_hook": FixturePlugin("ozfix_misspelled_hook", "ozfix-misspelled-hook"),
    "wrong_argument": FixturePlugin("ozfix_wrong_argument", "ozfix-wrong-argument"),
    "incompatible": FixturePlugin("ozfix_incompatible", "ozfix-incompatible", "0.0.1", requires=("openzoo<0.0.1",)),
    "twin_a": FixturePlugin("ozfix_twin_a", "ozfix-twin-a", "2.0.0"),
    "twin_b": FixturePlugin("ozfix_twin_b", "ozfix-twin-b", "3.1.0"),
}


def write_fake_distribution(
    site: Path,
    dist: str,
    *,
    version: str = "1.0.0",
    requires: Iterable[str] = (),
    entry_points: Mapping[str, str] | None = None,
    files: Mapping[str, str] | None = None,
    group: str = "openzoo",
) -> Path:
    """Write an installed-looking distribution into ``site`` and return ``site``.

    :param dist: distribution name (``openzoo-demo``).
    :param requires: ``Requires-Dist`` lines (``openzoo>=0.1,<0.2``).
    :param entry_points: entry-point name -> value (``module`` or ``module:attr``) in ``group``.
    :param files: path relative to ``site`` -> text, for the plugin's modules.
    """
    site.mkdir(parents=True, exist_ok=True)
    info = site / f"{re.sub(r'[-_.]+', '_', dist)}-{version}.dist-info"
    info.mkdir(exist_ok=True)
    metadata = ["Metadata-Version: 2.1", f"Name: {dist}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {line}" for line in requires]
    (info / "METADATA").write_text("\n".join(metadata) + "\n", encoding="utf-8")
    lines = [f"[{group}]"] + [f"{name} = {value}" for name, value in (entry_points or {}).items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (info / "RECORD").write_text("", encoding="utf-8")
    for relative, text in (files or {}).items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return site


def install_fixture_plugin(site: Path, key: str) -> Path:
    """Install the fixture plugin ``key`` of :data:`FIXTURE_PLUGINS` into ``site``."""
    plugin = FIXTURE_PLUGINS[key]
    modules = (plugin.module, *plugin.extra_modules)
    files = {f"{m}.py": (FIXTURE_PLUGIN_DIR / f"{m}.py").read_text(encoding="utf-8") for m in modules}
    return write_fake_distribution(
        site,
        plugin.dist,
        version=plugin.version,
        requires=plugin.requires,
        entry_points={plugin.module: plugin.module},
        files=files,
    )


@pytest.fixture
def install_fake_plugin(tmp_path: Path) -> Callable[..., Path]:
    """Return ``install(dist, *, version, requires, entry_points, files, site=None) -> site``.

    The default ``site`` is ``tmp_path / "site"``, shared by every call in a test.
    """

    def install(dist: str, *, site: Path | None = None, **kwargs: object) -> Path:
        return write_fake_distribution(site or tmp_path / "site", dist, **kwargs)  # type: ignore[arg-type]

    return install


@pytest.fixture(scope="session")
def fixture_plugins_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site directory with every fixture plugin installed as a distribution."""
    site = tmp_path_factory.mktemp("fixture-plugins-site")
    for key in FIXTURE_PLUGINS:
        install_fixture_plugin(site, key)
    return site


@pytest.fixture
def plugin_env() -> Callable[..., dict[str, str]]:
    """Return ``env(*sites, **overrides)``: this process's environment with ``sites`` first on PYTHONPATH.

    ``OPENZOO_STRICT_PLUGINS``, ``OPENZOO_DISABLE_PLUGINS`` and ``OPENZOO_DEBUG`` are
    cleared unless given in ``overrides``.
    """

    def env(*sites: Path, **overrides: str) -> dict[str, str]:
        result = {k: v for k, v in os.environ.items() if k not in _OPENZOO_VARIABLES}
        paths = [str(site) for site in sites] + [p for p in [result.get("PYTHONPATH", "")] if p]
        result["PYTHONPATH"] = os.pathsep.join(paths)
        result.update(overrides)
        return result

    return env


_OPENZOO_VARIABLES = {"OPENZOO_STRICT_PLUGINS", "OPENZOO_DISABLE_PLUGINS", "OPENZOO_DEBUG"}

#: Runs the CLI, then reports which watched modules were imported (on the last stderr line).
_CLI_WRAPPER = """
import atexit, json, sys
watch = json.loads(sys.argv.pop(1))
atexit.register(lambda: print("IMPORTED=" + json.dumps(sorted(m for m in watch if m in sys.modules)), file=sys.stderr))
from openzoo.cli import main
main()
"""


@dataclass(frozen=True)
class CliRun:
    """The outcome of :func:`run_openzoo`."""

    returncode: int
    stdout: str
    stderr: str
    #: The watched modules the command imported.
    imported: list[str]


@pytest.fixture
def run_openzoo() -> Callable[..., CliRun]:
    """Return ``run(args, env=None, watch=("torch", "transformers")) -> CliRun`` running ``openzoo`` cold."""

    def run(args: list[str], env: Mapping[str, str] | None = None, watch: Iterable[str] = ("torch",)) -> CliRun:
        command = [sys.executable, "-c", _CLI_WRAPPER, json.dumps(list(watch)), *args]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
        stderr_lines = done.stderr.splitlines()
        marker = next((line for line in reversed(stderr_lines) if line.startswith("IMPORTED=")), None)
        imported = json.loads(marker.removeprefix("IMPORTED=")) if marker else []
        stderr = "\n".join(line for line in stderr_lines if not line.startswith("IMPORTED="))
        return CliRun(done.returncode, done.stdout, stderr, imported)

    return run


@pytest.fixture
def fixture_sources(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[PluginSource]]:
    """Return ``sources(*keys) -> [PluginSource]`` for fixture plugins, loaded in process.

    The fixture plugin directory is put on ``sys.path`` for the test so lazy references resolve.
    """
    monkeypatch.syspath_prepend(str(FIXTURE_PLUGIN_DIR))

    def sources(*keys: str) -> list[PluginSource]:
        result = []
        for key in keys or tuple(FIXTURE_PLUGINS):
            plugin = FIXTURE_PLUGINS[key]
            result.append(
                PluginSource(
                    name=plugin.module,
                    dist=plugin.dist,
                    version=plugin.version,
                    load=lambda module=plugin.module: importlib.import_module(module),
                    requires=plugin.requires,
                    value=plugin.module,
                )
            )
        return result

    return sources


@pytest.fixture(autouse=True)
def _no_openzoo_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's OPENZOO_* plugin variables out of every test."""
    for name in _OPENZOO_VARIABLES:
        monkeypatch.delenv(name, raising=False)
