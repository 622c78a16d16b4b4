"""Entry-point discovery reads distribution metadata without importing the plugin."""

from __future__ import annotations

import sys

from openzoo.plugins import entry_point_sources, load_registry


def test_entry_point_sources_read_name_version_requirements_and_value(install_fake_plugin, monkeypatch):
    site = install_fake_plugin(
        "Openzoo_Demo",
        version="0.3.0",
        requires=["openzoo>=0.1,<0.2", "numpy>=1"],
        entry_points={"demo": "ozfix_demo.plugin:Hooks"},
        files={"ozfix_demo/__init__.py": "raise AssertionError('discovery must not import plugins')\n"},
    )
    monkeypatch.syspath_prepend(str(site))
    (source,) = [s for s in entry_point_sources() if s.name == "demo"]
    assert (source.dist, source.version, source.value) == ("Openzoo_Demo", "0.3.0", "ozfix_demo.plugin:Hooks")
    assert source.requires == ("openzoo>=0.1,<0.2", "numpy>=1")
    assert not source.builtin
    assert "ozfix_demo" not in sys.modules


def test_entry_points_of_other_groups_are_ignored(install_fake_plugin, monkeypatch):
    site = install_fake_plugin("other-tool", entry_points={"thing": "ozfix_other:x"}, group="console_scripts")
    monkeypatch.syspath_prepend(str(site))
    assert all(s.name != "thing" for s in entry_point_sources())


def test_load_registry_without_sources_discovers_installed_plugins(install_fake_plugin, monkeypatch):
    code = (
        "from openzoo import DatasetSpec, hookimpl\n"
        "@hookimpl\n"
        "def openzoo_datasets():\n"
        "    return [DatasetSpec('found-data', 'text-generation', 'Found.', 'ozfix_found:load')]\n"
    )
    site = install_fake_plugin(
        "ozfix-found", version="4.5.6", entry_points={"found": "ozfix_found"}, files={"ozfix_found.py": code}
    )
    monkeypatch.syspath_prepend(str(site))
    origin = load_registry(environ={}).dataset("found-data").origin
    assert (origin.dist, origin.version, origin.plugin) == ("ozfix-found", "4.5.6", "found")
