"""The conformance suite: the checks that decide whether a plugin meets the contract.

Two front ends share one implementation (the generators in
:mod:`openzoo.conformance.catalogue`):

- :func:`parametrize_with_checks` for a plugin's own pytest suite;
- :func:`run_conformance` (behind ``openzoo conformance``), which returns result
  records that the certificate, JUnit and Markdown writers read.

Importing this package is cheap; the checks (and torch) load on first use.
"""

from __future__ import annotations

from typing import Any

from openzoo.conformance.version import SCHEMA_VERSION, SUITE_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "SUITE_VERSION",
    "CheckRecord",
    "CheckSkipped",
    "Measurement",
    "PluginReport",
    "parametrize_with_checks",
    "plan",
    "run_conformance",
    "run_planned",
]

_LAZY = {
    "parametrize_with_checks": "openzoo.conformance.pytest_support",
    "run_conformance": "openzoo.conformance.runner",
    "run_planned": "openzoo.conformance.runner",
    "plan": "openzoo.conformance.runner",
    "CheckRecord": "openzoo.conformance.records",
    "PluginReport": "openzoo.conformance.records",
    "CheckSkipped": "openzoo.conformance.declaration",
    "Measurement": "openzoo.conformance.declaration",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'openzoo.conformance' has no attribute {name!r}")
