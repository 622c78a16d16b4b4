"""`openzoo new`: renders a plugin all or nothing, refuses bad input with exit 2, says what to run next."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from openzoo.cli import cli
from openzoo.scaffold import rendering


def _tree(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*")) if directory.exists() else []


def _new(*args: str):
    return CliRunner().invoke(cli, ["new", *args])


def test_new_creates_the_plugin_and_prints_the_next_three_commands(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _new("model", "my-arch", "--task", "text-classification", "--dest", "plugins", "--defaults")
    assert result.exit_code == 0, result.output
    plugin = tmp_path / "plugins" / "openzoo-my-arch"
    assert (plugin / "src" / "openzoo_my_arch" / "model.py").is_file()
    assert "Created openzoo-my-arch in plugins/openzoo-my-arch: model (text-classification; hf)." in result.stdout
    assert result.stdout.splitlines()[-3:] == [
        "  pip install -e plugins/openzoo-my-arch",
        "  openzoo conformance openzoo-my-arch",
        "  pytest plugins/openzoo-my-arch/tests",
    ]
    assert [p for p in _tree(tmp_path / "plugins") if "/" not in p] == ["openzoo-my-arch"]  # no staging left


def test_an_existing_destination_is_refused_and_left_untouched(tmp_path):
    existing = tmp_path / "openzoo-my-arch"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine")
    result = _new("model", "my-arch", "--dest", str(tmp_path), "--defaults")
    assert result.exit_code == 2
    assert "already exists; openzoo new never overwrites anything" in result.stderr
    assert _tree(tmp_path) == ["openzoo-my-arch", "openzoo-my-arch/notes.txt"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["model", "My_Arch"], "invalid plugin name 'My_Arch'"),
        (["model", "x", "--task", "text-clasification"], "Did you mean 'text-classification'"),
        (["modle", "x"], "Did you mean 'model'"),
        (["model", "x", "--kind", "metrik"], "Did you mean 'metric'"),
        (
            ["model", "x", "--task", "recommendation", "--backend", "hf"],
            "recommendation models use the 'torch' backend",
        ),
        (["model", "x", "--backend", "jax"], "unknown backend 'jax'"),
        (["model", "x", "--licence", "GPL"], "unknown licence 'GPL'"),
    ],
    ids=["name", "task", "kind", "extra-kind", "recommendation-hf", "backend", "licence"],
)
def test_bad_input_exits_2_with_a_clear_message_and_writes_nothing(tmp_path, args, message):
    dest = tmp_path / "new" / "plugins"
    result = _new(*args, "--dest", str(dest), "--defaults")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert _tree(tmp_path) == []


def test_missing_copier_is_reported_with_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "copier", None)  # makes `import copier` raise ImportError
    result = _new("model", "x", "--dest", str(tmp_path / "plugins"), "--defaults")
    assert result.exit_code == 2
    assert "pip install 'openzoo[new]'" in result.stderr
    assert _tree(tmp_path) == []


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()], ids=["error", "ctrl-c"])
def test_a_failure_while_rendering_leaves_nothing_behind(tmp_path, monkeypatch, error):
    import copier

    def half_render(src_path, dst_path, **kwargs):
        Path(dst_path).mkdir(parents=True)
        (Path(dst_path) / "pyproject.toml").write_text("half")
        raise error

    monkeypatch.setattr(copier, "run_copy", half_render)
    (tmp_path / "kept.txt").write_text("kept")
    result = _new("model", "x", "--dest", str(tmp_path / "a" / "b"), "--defaults")
    assert result.exit_code != 0
    assert _tree(tmp_path) == ["kept.txt"]


def test_without_a_terminal_prompts_are_impossible_so_it_asks_for_defaults(tmp_path):
    result = _new("model", "x", "--dest", str(tmp_path))
    assert result.exit_code == 2
    assert "pass --defaults" in result.stderr
    assert _tree(tmp_path) == []


def test_on_a_terminal_copier_asks_only_what_the_options_left_open(tmp_path, monkeypatch):
    import copier

    calls = []

    def fake_run_copy(src_path, dst_path, **kwargs):
        calls.append(kwargs)
        Path(dst_path).mkdir(parents=True)
        (Path(dst_path) / ".copier-answers.yml").write_text("kinds:\n- model\ntask: recommendation\nbackend: torch\n")

    monkeypatch.setattr(copier, "run_copy", fake_run_copy)
    monkeypatch.setattr(rendering, "stdin_is_terminal", lambda: True)
    result = _new("model", "rec", "--task", "recommendation", "--licence", "mit", "--dest", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert calls[0]["defaults"] is False
    assert calls[0]["data"] == {"name": "rec", "kinds": ["model"], "task": "recommendation", "licence": "MIT"}
    assert "model (recommendation; torch)" in result.stdout


def test_a_device_only_plugin_renders_without_a_task(tmp_path):
    result = _new("device", "my-npu", "--dest", str(tmp_path), "--defaults")
    assert result.exit_code == 0, result.output
    package = tmp_path / "openzoo-my-npu" / "src" / "openzoo_my_npu"
    assert sorted(p.name for p in package.iterdir()) == ["__init__.py", "device.py", "plugin.py"]
    assert "Created openzoo-my-npu" in result.stdout and "device." in result.stdout


def test_new_never_imports_torch_or_transformers(run_openzoo, tmp_path):
    result = run_openzoo(["new", "model", "x", "--dest", str(tmp_path), "--defaults"], watch=("torch", "transformers"))
    assert result.returncode == 0, result.stderr
    assert result.imported == []
    assert (tmp_path / "openzoo-x" / "src" / "openzoo_x" / "model.py").is_file()
