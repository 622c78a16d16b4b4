"""Sphinx configuration of the openzoo docs site (myst Markdown pages, furo theme).

Reference pages come from the code, never copied by hand: autodoc renders the contract, sphinx-click
the command line, and the local extension ``docs/_ext/openzoo_docs`` writes the tasks page, the plugin
catalogue (installed plugins' specs and, when present, their certificates under ``reports/``) and the
pages published from repository files (CONTRIBUTING.md, GOVERNANCE.md, SECURITY.md, the plugins'
READMEs) when the build starts. The conformance check catalogue is committed
(``python -m openzoo.conformance.catalogue --output docs/reference/conformance-checks.md``) and the
build fails when it is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "openzoo"
author = "The openzoo maintainers"
copyright = "2026, the openzoo maintainers"


def _release() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("openzoo")
    except PackageNotFoundError:
        return "0.0.0"


release = _release()
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "sphinx_click",
    "openzoo_docs",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
myst_enable_extensions = ["colon_fence", "deflist", "fieldlist"]
myst_heading_anchors = 3
exclude_patterns = ["_build", "_ext"]
root_doc = "index"

autodoc_member_order = "bysource"
# A class signature is its name; dataclass fields and protocol members are documented one by one.
autodoc_class_signature = "separated"
# Types stay in signatures (``load(split: str) -> Sequence[...]``): a callable object such as the
# hookimpl marker gets no invented parameter list.
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "undoc-members": False}
autodoc_mock_imports: list[str] = []
nitpicky = False
# Command lines quote flags such as --dataset verbatim: never turn "--" into a dash.
smartquotes = False


html_theme = "furo"
html_title = f"openzoo {release}"
html_static_path: list[str] = []
