"""The docs site builds with warnings as errors, and documents the whole contract.

One ``sphinx-build -W`` per test session (the ``site`` fixture), in a fresh output directory, with the
fixture plugins (healthy, broken and clashing ones) installed next to the real ones and a real
conformance certificate for core's builtin plugin. The tests then read the generated HTML: every hook spec, spec type, protocol, error, task, CLI
command (and each of its options), conformance check and installed plugin must be on its page, so a
page or an entry that goes missing fails here.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from importlib.metadata import distributions, version
from pathlib import Path

import click
import pytest

import openzoo.errors
import openzoo.hookspecs
import openzoo.protocols
import openzoo.specs
from openzoo.cli import COMMANDS
from openzoo.conformance.catalogue import catalogue
from openzoo.tasks import CORE_TASKS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
pytestmark = pytest.mark.slow
for _module in ("sphinx", "myst_parser", "sphinx_click", "furo"):
    pytest.importorskip(_module, reason="the docs toolchain is in the dev extra: pip install -e '.[dev]'")

#: Tags that separate words in the rendered text; inline tags (``strong``, ``code``, ``a``) do not.
_BLOCK_TAG = re.compile(r"</?(?:p|li|ul|ol|td|th|tr|table|h[1-6]|div|dt|dd|dl|br|section|pre)\b[^>]*>")


@dataclass(frozen=True)
class Site:
    """A built site: its HTML directory, the build's output, and what the plugin catalogue saw."""

    html: Path
    #: Where the fixture plugins were installed for the build (first on its PYTHONPATH).
    plugins: Path
    returncode: int
    log: str = field(repr=False)
    certificate: dict = field(repr=False)

    def page(self, name: str) -> str:
        """Return the HTML of the page ``name`` (``reference/cli``)."""
        path = self.html / f"{name}.html"
        assert path.is_file(), f"the site has no page {name}.html"
        return path.read_text(encoding="utf-8")

    def text(self, name: str) -> str:
        """Return the visible text of the page ``name``, whitespace collapsed."""
        body = re.sub(r"<(script|style)\b.*?</\1>", " ", self.page(name), flags=re.S)
        body = re.sub(_BLOCK_TAG, " ", body)
        return " ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split())

    def table_rows(self, name: str) -> list[dict[str, str]]:
        """Return the rows of the first table on the page ``name``, as ``{header: cell text}``."""
        table = re.search(r"<table\b.*?</table>", self.page(name), flags=re.S)
        assert table, f"{name} has no table"
        rows = [
            re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, flags=re.S)
            for row in re.findall(r"<tr\b.*?</tr>", table[0], flags=re.S)
        ]
        cells = [[" ".join(html.unescape(re.sub(r"<[^>]+>", "", c)).split()) for c in row] for row in rows]
        return [dict(zip(cells[0], row)) for row in cells[1:]]

    def ids(self, name: str) -> set[str]:
        """Return the element ids of the page ``name`` (autodoc and sphinx-click targets, headings)."""
        return set(re.findall(r'\bid="([^"]+)"', self.page(name)))


def _hook_names() -> list[str]:
    return [name for name, value in vars(openzoo.hookspecs).items() if name.startswith("openzoo_") and callable(value)]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, fixture_plugins_site: Path) -> Site:
    """Build the site once: ``sphinx-build -W --keep-going -b html docs OUT``."""
    work = tmp_path_factory.mktemp("docs-site")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENZOO_")}
    env["PYTHONPATH"] = os.pathsep.join([str(fixture_plugins_site), *filter(None, [env.get("PYTHONPATH")])])
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")

    reports = work / "reports"
    certificate = reports / "openzoo" / "certificate.json"
    conformance = ["conformance", "builtin", "--select", "check_plugin_*", "-q", "--report", str(certificate)]
    done = subprocess.run(
        [sys.executable, "-m", "openzoo", *conformance],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert certificate.is_file(), f"openzoo conformance wrote no certificate:\n{done.stdout}\n{done.stderr}"
    env["OPENZOO_DOCS_REPORTS"] = str(reports)

    out = work / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    command += ["-d", str(work / "doctrees"), str(DOCS), str(out)]
    build = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    log = build.stdout + build.stderr
    return Site(out, fixture_plugins_site, build.returncode, log, json.loads(certificate.read_text()))


def test_site_builds_with_warnings_as_errors(site: Site) -> None:
    assert site.returncode == 0, site.log
    assert "WARNING" not in site.log and "ERROR" not in site.log, site.log


def test_every_hook_spec_is_documented_on_the_hookspecs_page(site: Site) -> None:
    hooks = _hook_names()
    assert {"openzoo_tasks", "openzoo_models", "openzoo_datasets", "openzoo_metrics", "openzoo_devices"} <= set(hooks)
    missing = [hook for hook in hooks if f"openzoo.hookspecs.{hook}" not in site.ids("reference/hookspecs")]
    assert not missing, f"hook specs without an autodoc entry: {missing}"


def test_every_spec_type_is_documented_on_the_specs_page(site: Site) -> None:
    missing = [name for name in openzoo.specs.__all__ if f"openzoo.specs.{name}" not in site.ids("reference/specs")]
    assert not missing, f"spec types without an autodoc entry: {missing}"


def test_every_protocol_is_documented_with_its_methods(site: Site) -> None:
    ids = site.ids("reference/protocols")
    for name in openzoo.protocols.__all__:
        protocol = getattr(openzoo.protocols, name)
        methods = [m for m in vars(protocol) if not m.startswith("_") and callable(getattr(protocol, m))]
        wanted = [f"openzoo.protocols.{name}"] + [f"openzoo.protocols.{name}.{m}" for m in methods]
        assert set(wanted) <= ids, f"{name}: missing {sorted(set(wanted) - ids)}"


def test_every_error_type_is_documented(site: Site) -> None:
    missing = [name for name in openzoo.errors.__all__ if f"openzoo.errors.{name}" not in site.ids("reference/errors")]
    assert not missing, f"error types without an autodoc entry: {missing}"


def test_every_core_task_has_a_section_with_its_schema(site: Site) -> None:
    ids, text = site.ids("reference/tasks"), site.text("reference/tasks")
    for task in CORE_TASKS:
        assert task.name in ids, f"no section for the task {task.name}"
        assert " ".join(task.description.split()) in text
        for key in (*task.example, *task.outputs, *task.targets):
            assert key in text, f"{task.name}: the key {key!r} is not on the tasks page"


def test_every_cli_command_is_documented_with_every_option(site: Site) -> None:
    page, ids = site.page("reference/cli"), site.ids("reference/cli")
    assert "not documented in this build" not in page
    for name, (reference, summary) in COMMANDS.items():
        assert f"openzoo-{name}" in ids, f"no section for 'openzoo {name}'"
        assert html.escape(summary, quote=False) in page
        module, _, attr = reference.partition(":")
        command = getattr(__import__(module, fromlist=[attr]), attr)
        for option in command.params:
            if isinstance(option, click.Option) and not option.hidden:
                flag = max(option.opts, key=len).lstrip("-")
                assert f"cmdoption-openzoo-{name}-{flag}" in ids, f"'openzoo {name}' lacks its option {flag}"


def test_every_conformance_check_is_in_the_catalogue_page(site: Site) -> None:
    ids, text = site.ids("reference/conformance-checks"), site.text("reference/conformance-checks")
    entries = catalogue()
    assert entries
    for entry in entries:
        assert entry.anchor in ids, f"no section for {entry.name}"
        assert f"{entry.level}; runs on" in text


def test_plugin_catalogue_lists_every_installed_distribution_with_its_version(site: Site) -> None:
    text = site.text("reference/plugin-catalogue")
    installed = {
        (dist.name, dist.version)
        for dist in distributions(path=[str(site.plugins), *sys.path])
        if any(ep.group == "openzoo" for ep in dist.entry_points)
    }
    installed.add(("openzoo", version("openzoo")))  # core's builtin plugin, registered without an entry point
    assert "ozfix-good" in {name for name, _ in installed}
    missing = sorted(f"{name} {version}" for name, version in installed if f"{name} {version}" not in text)
    assert not missing, f"installed plugins missing from the plugin catalogue: {missing}"


def test_plugin_catalogue_shows_a_broken_plugin_with_its_problem(site: Site) -> None:
    rows = {row["distribution"]: row for row in site.table_rows("reference/plugin-catalogue")}
    assert rows["ozfix-import-error"]["status"] == "broken"
    assert rows["ozfix-good"]["status"] == "ok"
    section = site.text("reference/plugin-catalogue").split("ozfix-import-error 1.0.0", 2)[-1]
    assert "problem: failed to import ozfix_import_error" in section


def test_plugin_catalogue_reads_the_verdict_from_the_certificate(site: Site) -> None:
    text = site.text("reference/plugin-catalogue")
    (entry,) = site.certificate["plugins"]
    counts = entry["counts"]
    assert f"conformance on cpu: {entry['verdict']} ({counts['passed']} passed, {counts['failed']} failed" in text
    other_plugin = text.split("ozfix-good 1.2.0", 2)[-1]
    assert "conformance on cpu: no certificate in this build" in other_plugin


def test_every_guide_section_of_the_site_is_in_the_navigation(site: Site) -> None:
    text = site.text("index")
    for caption in ("Getting started", "User guide", "Plugin author guide", "Maintainer guide", "Reference"):
        assert caption in text
    for caption in ("Plugins", "Project"):
        assert caption in text


def test_every_plugin_readme_and_the_project_rules_are_published(site: Site) -> None:
    for readme in sorted(ROOT.glob("plugins/*/README.md")):
        assert site.page(f"plugins/{readme.parent.name}")
    for page, heading in (("contributing", "Contributing"), ("governance", "Governance"), ("security", "Security")):
        assert heading in site.text(f"project/{page}")
