"""What the template renders: the reference plugins' shape, clean under its own ruff rules, updatable by copier."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from openzoo.scaffold import TEMPLATE_REPOSITORY, template_directory

ROOT = Path(__file__).resolve().parents[2]
LONG_NAME = "abcdefghij-klmnopqrst-uvwxyzabcd-efghijk"  # 40 characters, the longest allowed

#: (id, main kind, extra kinds, task, backend): every model variant, and plugins without a model.
VARIANTS = [
    ("hf-text-generation+all", "model", ("dataset", "metric", "device"), "text-generation", "hf"),
    ("hf-text-classification+all", "model", ("dataset", "metric", "device"), "text-classification", "hf"),
    ("hf-image-classification+all", "model", ("dataset", "metric", "device"), "image-classification", "hf"),
    ("torch-text-generation+all", "model", ("dataset", "metric", "device"), "text-generation", "torch"),
    ("torch-text-classification+all", "model", ("dataset", "metric", "device"), "text-classification", "torch"),
    ("torch-image-classification+all", "model", ("dataset", "metric", "device"), "image-classification", "torch"),
    ("torch-recommendation+all", "model", ("dataset", "metric", "device"), "recommendation", "torch"),
    ("device", "device", (), None, None),
    ("dataset-recommendation", "dataset", (), "recommendation", None),
    ("metric-text-generation", "metric", (), "text-generation", None),
]


def _toml(path: Path) -> dict:
    """Parse a TOML file (tomllib from Python 3.11, tomli before)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    return tomllib.loads(path.read_text())


def _ruff() -> str:
    found = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(found).exists():
        pytest.skip("ruff is not installed")
    return found


@pytest.mark.parametrize("name", ["q", LONG_NAME], ids=["short-name", "longest-name"])
@pytest.mark.parametrize(("kind", "extra", "task", "backend"), [pytest.param(*v[1:], id=v[0]) for v in VARIANTS])
def test_rendered_plugin_passes_ruff_check_and_format_with_its_own_config(render, kind, extra, task, backend, name):
    plugin = render(kind, name, extra_kinds=extra, task=task, backend=backend)
    ruff = _ruff()
    for command in ([ruff, "check", "--no-cache", "."], [ruff, "format", "--check", "--no-cache", "."]):
        done = subprocess.run(command, cwd=plugin, capture_output=True, text=True, check=False, timeout=120)
        assert done.returncode == 0, f"{' '.join(command[1:])}:\n{done.stdout}\n{done.stderr}"


def test_the_plugins_ruff_config_bans_imports_outside_openzoo_all(render):
    plugin = render("model", "my-arch", task="text-classification", backend="torch")
    (plugin / "src" / "openzoo_my_arch" / "reach_in.py").write_text(
        '"""Imports a plugin must not make."""\n\n'
        "from openzoo.plugins import default_registry\n"
        "from openzoo.specs import ModelSpec\n\n"
        '__all__ = ["ModelSpec", "default_registry"]\n'
    )
    done = subprocess.run(
        [_ruff(), "check", "--no-cache", "."], cwd=plugin, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert done.stdout.count("TID251") == 2
    assert "openzoo.plugins is the plugin manager" in done.stdout


def test_the_plugin_matches_the_reference_plugins_shape(render):
    plugin = render("model", "my-arch", extra_kinds=["dataset"], task="text-generation", backend="torch")
    files = sorted(str(p.relative_to(plugin)) for p in plugin.rglob("*") if p.is_file())
    assert files == [
        ".copier-answers.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        "CHANGELOG.md",
        "LICENSE",
        "README.md",
        "pyproject.toml",
        "src/openzoo_my_arch/__init__.py",
        "src/openzoo_my_arch/dataset.py",
        "src/openzoo_my_arch/model.py",
        "src/openzoo_my_arch/network.py",
        "src/openzoo_my_arch/plugin.py",
        "src/openzoo_my_arch/tokenizer.py",
        "tests/test_conformance.py",
        "tests/test_dataset.py",
        "tests/test_model.py",
    ]
    project = _toml(plugin / "pyproject.toml")["project"]
    assert (project["name"], project["version"], project["license"]) == ("openzoo-my-arch", "0.1.0", "Apache-2.0")
    assert project["entry-points"]["openzoo"] == {"my-arch": "openzoo_my_arch.plugin"}
    assert "openzoo>=0.1,<0.2" in project["dependencies"] and "torch>=2.4" in project["dependencies"]
    assert project["optional-dependencies"]["test"] == ["pytest>=8.0", "ruff>=0.6"]  # what the guide runs
    hooks = (plugin / ".pre-commit-config.yaml").read_text()
    assert "entry: ruff check" in hooks and "entry: ruff format" in hooks
    assert not any(d.startswith("transformers") for d in project["dependencies"])
    test = (plugin / "tests" / "test_conformance.py").read_text()
    assert '@parametrize_with_checks("openzoo-my-arch")' in test


def test_a_hugging_face_model_depends_on_transformers_and_tokenizers(render):
    plugin = render("model", "my-bert", task="text-classification", backend="hf", licence="MIT", author="Ada")
    project = _toml(plugin / "pyproject.toml")["project"]
    assert {"transformers>=5.0,<6", "tokenizers>=0.21"} <= set(project["dependencies"])
    assert project["license"] == "MIT" and project["authors"] == [{"name": "Ada"}]
    assert (plugin / "LICENSE").read_text().startswith("MIT License\n\nCopyright (c) ")


@pytest.mark.parametrize(("kind", "extra", "task", "backend"), [pytest.param(*v[1:], id=v[0]) for v in VARIANTS])
def test_the_entry_module_imports_nothing_but_openzoo(render, kind, extra, task, backend):
    plugin = render(kind, "my-arch", extra_kinds=extra, task=task, backend=backend)
    tree = ast.parse((plugin / "src" / "openzoo_my_arch" / "plugin.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert imported <= {"__future__", "openzoo"}


def test_every_place_to_edit_is_marked_for_the_contributor(render):
    plugin = render(
        "model", "my-arch", extra_kinds=["dataset", "metric", "device"], task="image-classification", backend="torch"
    )
    package = plugin / "src" / "openzoo_my_arch"
    for module in ("plugin.py", "model.py", "network.py", "dataset.py", "metric.py", "device.py"):
        text = (package / module).read_text()
        assert "TODO(contributor)" in text, module
    assert "TODO(contributor): put your architecture here" in (package / "network.py").read_text()


def test_copier_itself_refuses_what_openzoo_new_refuses():
    copier = pytest.importorskip("copier")
    bad = [
        {"name": "My_Arch", "kinds": ["model"]},
        {"name": "x", "kinds": ["model"], "task": "recommendation", "backend": "hf"},
        {"name": "x", "kinds": []},
    ]
    for data in bad:
        with pytest.raises(ValueError, match="Validation error"):
            copier.run_copy(
                str(template_directory()), os.devnull + "-never", data=data, defaults=True, quiet=True, pretend=True
            )


def test_the_answers_file_records_the_published_template_and_its_version_never_a_local_path(render):
    plugin = render("model", "my-lm", task="text-generation", backend="torch", author="Ada", licence="BSD-3-Clause")
    import yaml

    from openzoo.plugins import core_version

    text = (plugin / ".copier-answers.yml").read_text()
    answers = yaml.safe_load(text)
    assert (answers["_src_path"], answers["_commit"]) == (TEMPLATE_REPOSITORY, f"v{core_version()}")
    assert str(template_directory()) not in text and str(ROOT) not in text
    assert text.startswith("# Changes here will be overwritten by Copier")
    assert {k: answers[k] for k in ("name", "kinds", "task", "backend", "author", "licence")} == {
        "name": "my-lm",
        "kinds": ["model"],
        "task": "text-generation",
        "backend": "torch",
        "author": "Ada",
        "licence": "BSD-3-Clause",
    }
    assert "package" not in answers  # computed values are not stored


def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True, timeout=60)
    return done.stdout.strip()


def _new(*args: str):
    from click.testing import CliRunner

    from openzoo.cli import cli

    return CliRunner().invoke(cli, ["new", "model", "my-arch", "--task", "text-classification", "--defaults", *args])


def test_new_renders_from_a_clone_of_the_repository_and_records_the_published_template(tmp_path):
    clone = tmp_path / "openzoo-clone"  # the layout of a clone: the template under templates/plugin
    shutil.copytree(template_directory(), clone / "templates" / "plugin")
    result = _new("--dest", str(tmp_path), "--template", str(clone))
    assert result.exit_code == 0, result.output
    answers = (tmp_path / "openzoo-my-arch" / ".copier-answers.yml").read_text()
    assert f"_src_path: {TEMPLATE_REPOSITORY}" in answers
    assert str(tmp_path) not in answers


def test_new_refuses_a_template_directory_without_copier_yml(tmp_path):
    result = _new("--dest", str(tmp_path / "out"), "--template", str(tmp_path))
    assert result.exit_code == 2
    assert "holds no copier.yml" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(shutil.which("git") is None, reason="copier update needs git")
def test_a_local_template_repository_without_a_remote_is_recorded_relative_to_the_plugin(tmp_path):
    template = tmp_path / "template-repo"
    shutil.copytree(template_directory(), template)
    _git(template, "init", "-q")
    _git(template, "add", "-A")
    _git(template, "commit", "-q", "-m", "template v1")
    _git(template, "tag", "v1.0.0")
    result = _new("--dest", str(tmp_path / "plugins"), "--template", str(template))
    assert result.exit_code == 0, result.output
    answers = (tmp_path / "plugins" / "openzoo-my-arch" / ".copier-answers.yml").read_text()
    assert "_src_path: ../../template-repo\n" in answers and "_commit: v1.0.0\n" in answers


@pytest.mark.skipif(shutil.which("git") is None, reason="copier update needs git")
def test_copier_update_brings_a_template_change_into_a_plugin_and_keeps_the_contributors_edits(tmp_path, monkeypatch):
    copier = pytest.importorskip("copier")

    # the template's home (a bare repository, as GitHub would hold it) and a maintainer's checkout of it
    origin = tmp_path / "template.git"
    _git(tmp_path, "init", "-q", "--bare", str(origin))
    template = tmp_path / "template-checkout"
    shutil.copytree(template_directory(), template)
    _git(template, "init", "-q")
    _git(template, "remote", "add", "origin", str(origin))
    _git(template, "add", "-A")
    _git(template, "commit", "-q", "-m", "template v1")
    _git(template, "tag", "v1.0.0")
    _git(template, "push", "-q", "origin", "HEAD:refs/heads/main", "--tags")

    result = _new("--dest", str(tmp_path), "--template", str(template))
    assert result.exit_code == 0, result.output
    plugin = tmp_path / "openzoo-my-arch"
    import yaml

    answers = yaml.safe_load((plugin / ".copier-answers.yml").read_text())
    assert (answers["_src_path"], answers["_commit"]) == (str(origin), "v1.0.0")  # the remote, not the checkout
    _git(plugin, "init", "-q")
    model = plugin / "src" / "openzoo_my_arch" / "model.py"
    model.write_text(model.read_text() + "\n# my architecture\n")
    _git(plugin, "add", "-A")
    _git(plugin, "commit", "-q", "-m", "my plugin")

    gitignore = template / "template" / ".gitignore"
    gitignore.write_text(gitignore.read_text() + ".mypy_cache/\n")
    _git(template, "commit", "-q", "-am", "template v2: ignore .mypy_cache")
    _git(template, "tag", "v2.0.0")
    _git(template, "push", "-q", "origin", "HEAD:refs/heads/main", "--tags")
    shutil.rmtree(template)  # the update needs only what the answers file records

    monkeypatch.chdir(plugin)
    copier.run_update(str(plugin), defaults=True, overwrite=True, quiet=True, unsafe=False)
    assert ".mypy_cache/" in (plugin / ".gitignore").read_text()
    assert model.read_text().endswith("# my architecture\n")
    assert "_commit: v2.0.0" in (plugin / ".copier-answers.yml").read_text()


@pytest.mark.slow
def test_the_core_wheel_ships_the_template_and_an_installed_core_finds_it(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", str(ROOT), "-w", str(tmp_path / "wheel")],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    wheel = next((tmp_path / "wheel").glob("openzoo-*.whl"))
    shipped = {
        n.removeprefix("openzoo/_template/plugin/")
        for n in zipfile.ZipFile(wheel).namelist()
        if n.startswith("openzoo/_template/")
    }
    source = template_directory()
    expected = {str(p.relative_to(source)) for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert shipped == expected

    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    probe = "from openzoo.scaffold import template_directory; print(template_directory())"
    env = {**os.environ, "PYTHONPATH": str(site)}
    found = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True, timeout=60
    )
    assert Path(found.stdout.strip()) == site / "openzoo" / "_template" / "plugin"


@pytest.mark.parametrize(
    ("task", "architecture"),
    [("image-classification", "ViT"), ("text-classification", "Bert"), ("text-generation", "GPT2")],
)
def test_a_hugging_face_model_names_its_architecture_only_where_a_todo_marks_it(render, task, architecture):
    plugin = render("model", "my-arch", task=task, backend="hf")
    source = (plugin / "src" / "openzoo_my_arch" / "model.py").read_text()
    tree = ast.parse(source)
    lines = source.splitlines()
    marked: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.ImportFrom, ast.FunctionDef, ast.Return)):
            span = range(node.lineno, node.end_lineno + 1)
            if any("TODO(contributor)" in lines[i - 1] for i in span):
                marked.update(span)
    docstring = range(1, tree.body[0].end_lineno + 1)
    naming = [i for i, line in enumerate(lines, 1) if architecture.lower() in line.lower() and i not in docstring]
    assert naming and all(i in marked for i in naming), [lines[i - 1] for i in naming if i not in marked]
    assert "class MyArch" in source and f"class MyArch{architecture}" not in source
