"""The ``openzoo`` CLI in a fresh interpreter, discovering fixture plugins installed as distributions.

The fixture plugins are written as real distributions (dist-info with METADATA and
entry_points.txt) into a directory on PYTHONPATH: the same discovery path as a pip
install. Every listing command must work, show each broken plugin's reason, and
never import torch or a plugin's model module.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow

HEAVY = ("torch", "transformers", "ozfix_good_model")

REASONS = {
    "ozfix_import_error": "failed to import ozfix_import_error: ModuleNotFoundError: No module named 'ozfix_missing_dependency'",
    "ozfix_hook_raises": "hook openzoo_models raised RuntimeError: the model table is corrupt",
    "ozfix_misspelled_hook": "implements unknown hook 'openzoo_modles'; did you mean 'openzoo_models'?",
    "ozfix_wrong_argument": "Argument(s) {'registry'} are declared in the hookimpl but can not be found in the hookspec",
    "ozfix_incompatible": "requires openzoo<0.0.1 but openzoo",
    "ozfix_twin_a": "model 'twin' is also provided by ozfix-twin-b 3.1.0",
    "ozfix_twin_b": "model 'twin' is also provided by ozfix-twin-a 2.0.0",
}
#: Plugins that have a problem (a shared name) but are not broken: their components all stay usable.
CLASHING = {"ozfix_twin_a", "ozfix_twin_b"}


@pytest.fixture
def env(fixture_plugins_site, plugin_env):
    return plugin_env(fixture_plugins_site)


def test_plugins_exits_0_and_shows_every_broken_plugin_with_its_reason(run_openzoo, env):
    result = run_openzoo(["plugins"], env=env, watch=HEAVY)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for name, reason in REASONS.items():
        row = next(i for i, line in enumerate(lines) if line.startswith(f"{name} "))
        assert lines[row].split()[3] == ("ok" if name in CLASHING else "broken")
        assert reason in lines[row + 1], lines[row + 1]
    good = next(line for line in lines if line.startswith("ozfix_good "))
    assert good.split()[:4] == ["ozfix_good", "ozfix-good", "1.2.0", "ok"]
    assert result.imported == []


def test_info_on_the_good_plugin_works_without_importing_its_model_module(run_openzoo, env):
    result = run_openzoo(["info", "good-model"], env=env, watch=HEAVY)
    assert result.returncode == 0, result.stderr
    assert "origin: ozfix-good 1.2.0 (plugin 'ozfix_good')" in result.stdout
    assert result.imported == []


@pytest.mark.parametrize("args", [["--help"], ["list"], ["list", "models", "--json"], ["info", "twin"]], ids=" ".join)
def test_listing_commands_never_import_torch_or_model_modules(run_openzoo, env, args):
    result = run_openzoo(args, env=env, watch=HEAVY)
    assert result.returncode == 0, result.stderr
    assert result.imported == []


def test_dist_colon_name_selects_each_clashing_installed_plugin(run_openzoo, env):
    result = run_openzoo(["list", "models", "--json"], env=env)
    names = [item["name"] for item in json.loads(result.stdout)["models"]]
    assert "ozfix-twin-a:twin" in names and "ozfix-twin-b:twin" in names
    for dist in ("ozfix-twin-a", "ozfix-twin-b"):
        info = run_openzoo(["info", f"{dist}:twin", "--json"], env=env)
        assert json.loads(info.stdout)[0]["origin"]["dist"] == dist


def test_strict_mode_exits_2_and_lists_every_problem(run_openzoo, fixture_plugins_site, plugin_env):
    result = run_openzoo(["plugins"], env=plugin_env(fixture_plugins_site, OPENZOO_STRICT_PLUGINS="1"))
    assert result.returncode == 2
    for name, reason in REASONS.items():
        assert name in result.stderr and reason in result.stderr
    assert "Traceback" not in result.stderr


def test_disabled_plugins_are_skipped_and_shown_as_disabled(run_openzoo, fixture_plugins_site, plugin_env):
    broken = ",".join(name for name in REASONS if name != "ozfix_twin_b")
    result = run_openzoo(["plugins", "--json"], env=plugin_env(fixture_plugins_site, OPENZOO_DISABLE_PLUGINS=broken))
    records = {r["name"]: r for r in json.loads(result.stdout)}
    assert all(records[name]["status"] == "disabled" for name in broken.split(","))
    assert records["ozfix_twin_b"]["status"] == "ok"  # its rival is disabled: no clash left
    assert records["ozfix_good"]["status"] == "ok"


def test_doctor_exits_1_when_installed_plugins_are_broken(run_openzoo, env):
    result = run_openzoo(["doctor"], env=env)
    assert result.returncode == 1
    assert "ozfix_hook_raises (ozfix-hook-raises 1.0.0): hook openzoo_models raised" in result.stdout


def test_debug_shows_the_traceback_and_its_absence_does_not(run_openzoo, env):
    plain = run_openzoo(["info", "no-such-thing"], env=env)
    assert plain.returncode == 2
    assert "Traceback" not in plain.stderr
    assert plain.stderr.startswith("Error: unknown component 'no-such-thing'.")
    debug = run_openzoo(["--debug", "info", "no-such-thing"], env=env)
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.stderr
    assert "UnknownNameError" in debug.stderr


def test_a_freshly_installed_plugin_with_an_incompatible_core_range_is_reported(
    run_openzoo, install_fake_plugin, plugin_env
):
    site = install_fake_plugin(
        "openzoo-future",
        version="9.0.0",
        requires=["numpy>=1", "openzoo>=99"],
        entry_points={"future": "openzoo_future"},
        files={"openzoo_future.py": "raise AssertionError('an incompatible plugin must not be imported')\n"},
    )
    result = run_openzoo(["plugins", "--json"], env=plugin_env(site))
    assert result.returncode == 0, result.stderr
    record = next(r for r in json.loads(result.stdout) if r["name"] == "future")
    assert record["dist"] == "openzoo-future" and record["version"] == "9.0.0"
    assert record["problems"][0].startswith("requires openzoo>=99 but openzoo ")


def test_an_entry_point_naming_an_attribute_is_loaded(run_openzoo, install_fake_plugin, plugin_env):
    source = (
        "from openzoo import DatasetSpec, hookimpl\n"
        "class Plugin:\n"
        "    @staticmethod\n"
        "    @hookimpl\n"
        "    def openzoo_datasets():\n"
        "        return [DatasetSpec('attr-data', 'text-generation', 'From a class.', 'attr_mod:load')]\n"
    )
    site = install_fake_plugin("attr-plugin", entry_points={"attr": "attr_mod:Plugin"}, files={"attr_mod.py": source})
    result = run_openzoo(["list", "datasets", "attr-*"], env=plugin_env(site))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].split()[:3] == ["attr-data", "text-generation", "attr-plugin"]


def test_installed_plugins_are_listed_after_the_builtin_in_distribution_order(run_openzoo, env):
    result = run_openzoo(["plugins", "--json"], env=env)
    names = [r["name"] for r in json.loads(result.stdout)]
    assert names[0] == "builtin"
    fixtures = [name for name in names if name.startswith("ozfix_")]
    assert fixtures == sorted(fixtures, key=lambda name: name.replace("_", "-"))
