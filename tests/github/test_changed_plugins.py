"""scripts/changed_plugins.py decides which plugins a pull request tests."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

PLUGINS = ["openzoo-bert", "openzoo-gpt", "openzoo-recsys", "openzoo-vit"]


@pytest.mark.parametrize(
    "path",
    [
        "core/openzoo/engine/loop.py",
        "tests/core/test_plugins.py",
        "templates/plugin/copier.yml",
        "pyproject.toml",
        ".github/workflows/ci.yml",
        "noxfile.py",
    ],
)
def test_shared_paths_test_every_plugin(changed_plugins, path):
    assert changed_plugins.plugins_to_test([path], PLUGINS) == PLUGINS


def test_a_plugin_change_tests_only_that_plugin(changed_plugins):
    paths = ["plugins/openzoo-gpt/src/openzoo_gpt/model.py", "plugins/openzoo-gpt/CHANGELOG.md"]
    assert changed_plugins.plugins_to_test(paths, PLUGINS) == ["openzoo-gpt"]


def test_changes_in_two_plugins_test_both_sorted(changed_plugins):
    paths = ["plugins/openzoo-vit/README.md", "plugins/openzoo-bert/tests/test_model.py"]
    assert changed_plugins.plugins_to_test(paths, PLUGINS) == ["openzoo-bert", "openzoo-vit"]


def test_docs_only_changes_test_no_plugin(changed_plugins):
    assert changed_plugins.plugins_to_test(["docs/index.md", "README.md", "GOVERNANCE.md"], PLUGINS) == []


def test_an_unknown_top_level_path_fails_loudly(changed_plugins):
    with pytest.raises(changed_plugins.UnknownPathError, match="'newdir' is not covered"):
        changed_plugins.plugins_to_test(["newdir/file.py"], PLUGINS)


def test_the_command_prints_a_github_matrix_and_exits_2_on_unknown_paths():
    script = str(ROOT / "scripts" / "changed_plugins.py")
    ok = subprocess.run([sys.executable, script, "plugins/openzoo-vit/x.py"], capture_output=True, text=True)
    assert ok.returncode == 0
    assert json.loads(ok.stdout) == {"plugin": ["openzoo-vit"]}
    bad = subprocess.run([sys.executable, script, "mystery/x.py"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "add it to EVERYTHING or NOTHING" in bad.stderr


def test_the_real_plugin_directories_are_discovered(changed_plugins):
    assert set(changed_plugins.all_plugins()) >= {"openzoo-vit"}
    assert all(name.startswith("openzoo-") for name in changed_plugins.all_plugins())
