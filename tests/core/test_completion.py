"""Shell completion through click: commands, names and run directories, without importing torch."""

from __future__ import annotations

import os

import pytest


def complete(run_openzoo, words: str, cwd_env: dict[str, str] | None = None):
    """Ask ``openzoo`` for bash completions of ``words`` (the last word is being typed), in a fresh interpreter."""
    parts = words.split(" ")
    env = {**os.environ, **(cwd_env or {}), "_OPENZOO_COMPLETE": "bash_complete"}
    env.update(COMP_WORDS=words, COMP_CWORD=str(len(parts) - 1))
    result = run_openzoo([], env=env)
    assert result.returncode == 0, result.stderr
    values = [line.split(",", 1)[1] for line in result.stdout.splitlines() if "," in line]
    return values, result.imported


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("openzoo ru", ["runs"]),
        ("openzoo train --dataset toy-", ["toy-images", "toy-ratings", "toy-sentiment", "toy-text"]),
        ("openzoo evaluate RUN --metric nd", ["ndcg"]),
        ("openzoo train --device c", ["cpu", "cuda"]),
        ("openzoo train --logger ", ["jsonl", "csv", "mlflow", "tensorboard"]),
        ("openzoo data fetch toy-t", ["toy-text"]),
        ("openzoo info tensorb", ["tensorboard"]),
    ],
    ids=["command", "dataset", "metric", "device", "logger", "data-fetch", "info"],
)
def test_names_complete_without_importing_torch(run_openzoo, words, expected):
    values, imported = complete(run_openzoo, words)
    assert values == expected
    assert imported == []


def test_models_complete_with_their_presets(run_openzoo):
    values, imported = complete(run_openzoo, "openzoo train vi")
    if not values:
        pytest.skip("openzoo-vit is not installed")
    assert "vit" in values and "vit.tiny" in values
    assert imported == []


def test_run_directories_complete_runs_first(run_openzoo, tmp_path, monkeypatch):
    (tmp_path / "runs" / "vit-a").mkdir(parents=True)
    (tmp_path / "runs" / "vit-a" / "config.json").write_text("{}")
    (tmp_path / "runs" / "notes").mkdir()
    monkeypatch.chdir(tmp_path)
    values, imported = complete(run_openzoo, "openzoo plot runs/")
    assert values == ["runs/vit-a", "runs/notes/"]
    values, _ = complete(run_openzoo, "openzoo train --resume runs/v")
    assert values == ["runs/vit-a"]
    assert imported == []
