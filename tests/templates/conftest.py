"""Fixtures of the template tests: render a plugin, install it aside, run commands on it.

A rendered plugin is installed with ``pip install --no-deps --no-build-isolation
--target <tmp>/site``, so the shared environment is never touched; commands that
must see it run in a fresh interpreter with that directory first on ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from openzoo.scaffold import build_request, render_plugin

#: Variables that change which plugins load; cleared for the subprocesses.
_OPENZOO_VARIABLES = ("OPENZOO_STRICT_PLUGINS", "OPENZOO_DISABLE_PLUGINS", "OPENZOO_DEBUG")


@dataclass(frozen=True)
class Installed:
    """A rendered plugin installed into its own site directory."""

    #: The rendered plugin directory.
    path: Path
    #: Its distribution name.
    dist: str
    #: The site directory it is installed in.
    site: Path

    def env(self) -> dict[str, str]:
        """This process's environment with the plugin's site directory first on ``PYTHONPATH``."""
        env = {k: v for k, v in os.environ.items() if k not in _OPENZOO_VARIABLES}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.site), env.get("PYTHONPATH", "")]))
        env["HF_HUB_OFFLINE"] = "1"
        return env

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run ``python ARGS`` with the plugin installed."""
        return subprocess.run(
            [sys.executable, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.path,
        )

    def conformance(self) -> dict[str, Any]:
        """Run ``openzoo conformance DIST --json`` and return the certificate."""
        done = self.run("-m", "openzoo", "conformance", self.dist, "--json", "--quiet")
        try:
            return json.loads(done.stdout)
        except json.JSONDecodeError:
            raise AssertionError(
                f"openzoo conformance {self.dist} printed no certificate (exit {done.returncode}):\n"
                f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
            ) from None


@pytest.fixture
def render(tmp_path: Path) -> Callable[..., Path]:
    """Return ``render(kind, name, **options) -> plugin directory``, rendered with ``--defaults`` into tmp_path."""

    def do(kind: str, name: str, *, dest: Path | None = None, **options: Any) -> Path:
        request = build_request(kind, name, **options)
        return render_plugin(request, dest or tmp_path, defaults=True).path

    return do


@pytest.fixture
def install(tmp_path: Path) -> Callable[[Path], Installed]:
    """Return ``install(plugin directory) -> Installed``: pip-installs it into ``tmp_path/site``."""

    def do(path: Path) -> Installed:
        site = tmp_path / "site"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "--target",
                str(site),
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"pip install of {path} failed:\n{done.stdout}\n{done.stderr}"
        dist = next(
            line.split('"')[1]
            for line in (path / "pyproject.toml").read_text().splitlines()
            if line.startswith("name = ")
        )
        return Installed(path=path, dist=dist, site=site)

    return do
