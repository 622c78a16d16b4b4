"""scripts/publish_template.py: a core release publishes templates/plugin where `copier update` finds it.

Each test builds a small openzoo-shaped repository (pyproject.toml of the core and the real template under
templates/plugin) and a bare repository standing for github.com/openzoo/openzoo-plugin-template.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from openzoo.scaffold import template_directory

from .conftest import load_script

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="publishing the template needs git")


def _git(repo: Path, *args: str) -> str:
    env_args = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"]
    done = subprocess.run(["git", *env_args, "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _core(version: str) -> str:
    return f'[project]\nname = "openzoo"\nversion = "{version}"\n'


@pytest.fixture
def publish():
    return load_script("publish_template")


@pytest.fixture
def openzoo_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "openzoo"
    shutil.copytree(template_directory(), repo / "templates" / "plugin")
    (repo / "pyproject.toml").write_text(_core("0.3.0"))
    plugin = repo / "plugins" / "openzoo-gpt"
    plugin.mkdir(parents=True)
    (plugin / "pyproject.toml").write_text('[project]\nname = "openzoo-gpt"\nversion = "0.2.0"\n')
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "openzoo 0.3.0")
    return repo


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "openzoo-plugin-template.git"
    _git(tmp_path, "init", "-q", "--bare", str(bare))
    return bare


def test_a_core_release_publishes_the_template_as_the_repository_root_tagged_with_the_version(
    publish, openzoo_repo, remote
):
    assert publish.main(["openzoo-v0.3.0", str(remote), "--repo", str(openzoo_repo)]) == 0
    files = set(_git(remote, "ls-tree", "-r", "--name-only", "v0.3.0").splitlines())
    expected = {
        p.relative_to(template_directory()).as_posix()
        for p in template_directory().rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert "copier.yml" in files and files == expected
    assert _git(remote, "rev-parse", "v0.3.0^{tree}") == _git(openzoo_repo, "rev-parse", "HEAD:templates/plugin")
    assert _git(remote, "rev-parse", "main") == _git(remote, "rev-parse", "v0.3.0^{commit}")
    assert _git(openzoo_repo, "rev-parse", "HEAD") in _git(remote, "log", "-1", "--format=%B", "v0.3.0")


def test_the_next_release_is_a_child_of_the_previous_one_and_rerunning_pushes_nothing(
    publish, openzoo_repo, remote, capsys
):
    assert publish.main(["openzoo-v0.3.0", str(remote), "--repo", str(openzoo_repo)]) == 0
    first = _git(remote, "rev-parse", "v0.3.0^{commit}")
    assert publish.main(["openzoo-v0.3.0", str(remote), "--repo", str(openzoo_repo)]) == 0
    assert "nothing to publish" in capsys.readouterr().out
    assert _git(remote, "rev-parse", "main") == first

    (openzoo_repo / "pyproject.toml").write_text(_core("0.3.1"))
    _git(openzoo_repo, "commit", "-q", "-am", "openzoo 0.3.1")
    assert publish.main(["openzoo-v0.3.1", str(remote), "--repo", str(openzoo_repo)]) == 0
    assert _git(remote, "rev-parse", "v0.3.1^{commit}^") == first
    assert set(_git(remote, "tag").split()) == {"v0.3.0", "v0.3.1"}


def test_a_published_tag_is_never_moved(publish, openzoo_repo, remote, capsys):
    assert publish.main(["openzoo-v0.3.0", str(remote), "--repo", str(openzoo_repo)]) == 0
    first = _git(remote, "rev-parse", "v0.3.0^{commit}")
    (openzoo_repo / "templates" / "plugin" / "copier.yml").write_text("_min_copier_version: '9'\n")
    _git(openzoo_repo, "commit", "-q", "-am", "a template change without a version bump")
    assert publish.main(["openzoo-v0.3.0", str(remote), "--repo", str(openzoo_repo)]) == 2
    err = capsys.readouterr().err
    assert "already has v0.3.0 with another template" in err and "never moved" in err
    assert _git(remote, "rev-parse", "v0.3.0^{commit}") == first


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("openzoo-gpt-v0.2.0", "releases a plugin, not the core"),
        ("openzoo-v9.9.9", "says version 9.9.9 but pyproject.toml declares 0.3.0"),
        ("v0.3.0", "is not of the form"),
    ],
)
def test_tags_that_are_not_this_core_release_are_refused_and_nothing_is_pushed(
    publish, openzoo_repo, remote, capsys, tag, message
):
    assert publish.main([tag, str(remote), "--repo", str(openzoo_repo)]) == 2
    assert message in capsys.readouterr().err
    assert _git(remote, "tag") == "" and _git(remote, "branch") == ""


def test_a_plugin_rendered_from_one_release_updates_to_the_next(publish, openzoo_repo, remote, tmp_path, monkeypatch):
    copier = pytest.importorskip("copier")
    from click.testing import CliRunner

    from openzoo.cli import cli

    assert publish.main(["openzoo-v0.3.0", str(remote), "--repo", str(openzoo_repo)]) == 0
    where = ["--dest", str(tmp_path / "plugins"), "--template", f"file://{remote}"]
    result = CliRunner().invoke(cli, ["new", "model", "my-arch", "--task", "text-classification", "--defaults", *where])
    assert result.exit_code == 0, result.output
    plugin = tmp_path / "plugins" / "openzoo-my-arch"
    assert "_commit: v0.3.0" in (plugin / ".copier-answers.yml").read_text()
    _git(plugin, "init", "-q")
    _git(plugin, "add", "-A")
    _git(plugin, "commit", "-q", "-m", "my plugin")

    gitignore = openzoo_repo / "templates" / "plugin" / "template" / ".gitignore"
    gitignore.write_text(gitignore.read_text() + ".mypy_cache/\n")
    (openzoo_repo / "pyproject.toml").write_text(_core("0.4.0"))
    _git(openzoo_repo, "commit", "-q", "-am", "openzoo 0.4.0: the template ignores .mypy_cache")
    assert publish.main(["openzoo-v0.4.0", str(remote), "--repo", str(openzoo_repo)]) == 0

    monkeypatch.chdir(plugin)
    copier.run_update(str(plugin), defaults=True, overwrite=True, quiet=True, unsafe=False)
    assert ".mypy_cache/" in (plugin / ".gitignore").read_text()
    assert "_commit: v0.4.0" in (plugin / ".copier-answers.yml").read_text()
