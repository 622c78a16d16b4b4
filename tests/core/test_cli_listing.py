"""``openzoo plugins``, ``list`` and ``info`` through click's CliRunner, with fixture plugins in process."""

from __future__ import annotations

import json
import types

import pytest
from click.testing import CliRunner

from openzoo import DatasetSpec, hookimpl
from openzoo.cli import cli
from openzoo.plugins import PluginSource

BROKEN_KEYS = ["import_error", "hook_raises", "misspelled_hook", "wrong_argument", "incompatible"]


@pytest.fixture
def invoke(fixture_sources):
    """Return ``invoke(args, *plugin_keys, env=None) -> Result`` (default: every fixture plugin)."""

    def run(args, *keys, env=None):
        return CliRunner().invoke(cli, args, obj={"plugin_sources": fixture_sources(*keys)}, env=env)

    return run


# -- openzoo plugins ----------------------------------------------------------


def test_plugins_lists_every_plugin_with_distribution_version_and_status(invoke):
    result = invoke(["plugins"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "DISTRIBUTION", "VERSION", "STATUS", "IMPORT", "PROVIDES"]
    good = next(line for line in lines if line.startswith("ozfix_good "))
    assert good.split()[:4] == ["ozfix_good", "ozfix-good", "1.2.0", "ok"]
    assert "1 model, 1 dataset, 1 metric" in good
    builtin = next(line for line in lines if line.startswith("builtin "))
    assert "4 tasks" in builtin and "3 devices" in builtin


@pytest.mark.parametrize("key", BROKEN_KEYS, ids=str)
def test_plugins_exits_0_and_shows_the_reason_under_a_broken_plugin(invoke, key):
    result = invoke(["plugins"], "good", key)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith(f"ozfix_{key} "))
    assert lines[row].split()[3] == "broken"
    assert lines[row + 1].startswith("    ! ")
    assert "1 plugin(s) have problems; everything else works" in result.stderr


@pytest.mark.parametrize("key", BROKEN_KEYS, ids=str)
def test_info_on_the_good_plugin_works_next_to_a_broken_one(invoke, key):
    result = invoke(["info", "good-model"], "good", key)
    assert result.exit_code == 0, result.output
    assert "origin: ozfix-good 1.2.0 (plugin 'ozfix_good')" in result.stdout


@pytest.mark.parametrize("key", BROKEN_KEYS, ids=str)
def test_strict_mode_makes_plugins_exit_2_listing_the_problem(invoke, key):
    result = invoke(["plugins"], "good", key, env={"OPENZOO_STRICT_PLUGINS": "1"})
    assert result.exit_code == 2
    assert "OPENZOO_STRICT_PLUGINS is set" in result.stderr
    assert f"ozfix_{key} (ozfix-" in result.stderr
    assert "Traceback" not in result.output


def _fake_plugin(name: str, load_effect) -> PluginSource:
    module = types.ModuleType(name)
    module.openzoo_datasets = hookimpl(
        lambda: [DatasetSpec(name.replace("_", "-"), "text-classification", "A fake dataset.", "fake_mod:load")]
    )

    def load():
        load_effect()
        return module

    return PluginSource(name=name, dist=name.replace("_", "-"), version="0.1", load=load)


def test_plugins_json_stays_valid_when_a_plugin_prints_at_import():
    source = _fake_plugin("oz_chatty", lambda: print("Welcome to chatty 0.1!"))
    result = CliRunner().invoke(cli, ["plugins", "--json"], obj={"plugin_sources": [source]})
    assert result.exit_code == 0, result.output
    records = {r["name"]: r for r in json.loads(result.stdout)}
    assert records["oz_chatty"]["status"] == "ok"
    assert "Welcome to chatty 0.1!" in result.stderr


def test_plugins_shows_import_times_and_flags_a_slow_plugin():
    now = [0.0]

    def clock() -> float:
        return now[0]

    def slow_import() -> None:
        now[0] += 3.5

    sources = [_fake_plugin("oz_quick", lambda: None), _fake_plugin("oz_sluggish", slow_import)]
    result = CliRunner().invoke(cli, ["plugins"], obj={"plugin_sources": sources, "plugin_clock": clock})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    quick = next(line for line in lines if line.startswith("oz_quick "))
    assert quick.split()[3:5] == ["ok", "0.00s"]
    row = next(i for i, line in enumerate(lines) if line.startswith("oz_sluggish "))
    assert lines[row].split()[3:6] == ["ok", "3.50s", "slow"]
    assert lines[row + 1] == (
        "    ! slow to import (3.5 s): every openzoo command waits for it; move heavy imports out of its hook "
        "module, or disable it with OPENZOO_DISABLE_PLUGINS=oz_sluggish"
    )
    json_result = CliRunner().invoke(cli, ["plugins", "--json"], obj={"plugin_sources": sources, "plugin_clock": clock})
    record = next(r for r in json.loads(json_result.stdout) if r["name"] == "oz_sluggish")
    assert (record["import_seconds"], record["slow"]) == (3.5, True)


def test_plugins_shows_a_clash_under_both_plugins_which_stay_ok(invoke):
    result = invoke(["plugins"], "twin_a", "twin_b")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    for name, other in (("ozfix_twin_a", "ozfix-twin-b 3.1.0"), ("ozfix_twin_b", "ozfix-twin-a 2.0.0")):
        row = next(i for i, line in enumerate(lines) if line.startswith(f"{name} "))
        assert lines[row].split()[3] == "ok"
        assert lines[row + 1].startswith(f"    ! model 'twin' is also provided by {other}")
    assert "2 plugin(s) have problems" in result.stderr


def test_plugins_shows_disabled_plugins_with_the_reason(invoke):
    result = invoke(["plugins"], "good", "twin_a", env={"OPENZOO_DISABLE_PLUGINS": "ozfix-twin-a"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("ozfix_twin_a "))
    assert lines[row].split()[3] == "disabled"
    assert lines[row + 1] == "    ! disabled by OPENZOO_DISABLE_PLUGINS"
    assert result.stderr == ""


def test_plugins_names_lists_component_names(invoke):
    result = invoke(["plugins", "--names"], "good")
    assert "models: good-model; datasets: good-data; metrics: good-metric" in result.stdout


def test_plugins_json_gives_every_record_with_problems(invoke):
    result = invoke(["plugins", "--json"], "good", "hook_raises")
    assert result.exit_code == 0
    records = {r["name"]: r for r in json.loads(result.stdout)}
    assert records["ozfix_good"]["provides"] == {
        "models": ["good-model"],
        "datasets": ["good-data"],
        "metrics": ["good-metric"],
    }
    assert records["ozfix_hook_raises"]["status"] == "broken"
    assert "the model table is corrupt" in records["ozfix_hook_raises"]["problems"][0]
    assert records["builtin"]["builtin"] is True


# -- openzoo list ------------------------------------------------------------


def _names(stdout):
    return [line.split()[0] for line in stdout.splitlines()[1:] if line.strip()]


def test_list_models_shows_name_task_origin_and_first_sentence(invoke):
    result = invoke(["list", "models"], "good")
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header.split() == ["NAME", "TASK", "ORIGIN", "SUMMARY"]
    assert row.split() == [
        "good-model",
        "image-classification",
        "ozfix-good",
        "1.2.0",
        "A",
        "fixture",
        "model",
        "that",
        "is",
        "always",
        "healthy",
    ]


def test_list_accepts_a_singular_kind(invoke):
    assert _names(invoke(["list", "model"], "good").stdout) == ["good-model"]


def test_list_without_a_kind_groups_everything_by_kind(invoke):
    result = invoke(["list"], "good")
    assert result.exit_code == 0
    headings = [line for line in result.stdout.splitlines() if line and not line.startswith(" ")]
    assert headings == ["tasks:", "models:", "datasets:", "metrics:", "devices:", "loggers:"]
    assert "  cpu   builtin" in result.stdout


def test_list_filters_by_task(invoke):
    result = invoke(["list", "datasets", "--task", "image-classification"], "good", "twin_a")
    assert _names(result.stdout) == ["good-data", "toy-images"]


def test_list_devices_by_task_lists_every_device_because_devices_serve_every_task(invoke):
    assert _names(invoke(["list", "devices", "--task", "recommendation"], "good").stdout) == ["cpu", "cuda", "mps"]


def test_list_filters_by_pattern_and_by_plain_word(invoke):
    assert _names(invoke(["list", "datasets", "toy-*"]).stdout) == [
        "toy-images",
        "toy-ratings",
        "toy-sentiment",
        "toy-text",
    ]
    assert _names(invoke(["list", "metrics", "f1"]).stdout) == ["f1_macro"]


def test_list_with_only_a_pattern_searches_every_kind(invoke):
    result = invoke(["list", "good-*"], "good")
    assert result.exit_code == 0
    assert "good-model" in result.stdout and "good-data" in result.stdout and "good-metric" in result.stdout


def test_list_shows_clashing_names_as_dist_colon_name(invoke):
    result = invoke(["list", "models"], "twin_a", "twin_b")
    assert _names(result.stdout) == ["ozfix-twin-a:twin", "ozfix-twin-b:twin"]


def test_list_of_an_unknown_kind_suggests_the_close_one_and_exits_2(invoke):
    result = invoke(["list", "modles"])
    assert result.exit_code == 2
    assert "Error: unknown component kind 'modles'. Did you mean 'models'?" in result.stderr


def test_list_of_an_unknown_task_suggests_the_close_one_and_exits_2(invoke):
    result = invoke(["list", "models", "--task", "image-clasification"])
    assert result.exit_code == 2
    assert "unknown task 'image-clasification'. Did you mean 'image-classification'" in result.stderr


def test_list_with_no_match_says_so_on_stderr_and_exits_0(invoke):
    result = invoke(["list", "models", "zzz*"], "good")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "No models matching 'zzz*'" in result.stderr


def test_list_json_maps_each_kind_to_its_components(invoke):
    result = invoke(["list", "metrics", "--json", "--task", "image-classification"], "good")
    data = json.loads(result.stdout)
    assert list(data) == ["metrics"]
    good = next(item for item in data["metrics"] if item["name"] == "good-metric")
    assert good == {
        "name": "good-metric",
        "kind": "metric",
        "tasks": ["image-classification"],
        "origin": "ozfix-good 1.2.0",
        "dist": "ozfix-good",
        "version": "1.2.0",
        "summary": "A fixture metric where lower is better",
    }


# -- openzoo info ------------------------------------------------------------


def test_info_shows_everything_in_a_model_spec(invoke):
    result = invoke(["info", "good-model"], "good")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for expected in [
        "kind: model",
        "task: image-classification",
        "description: A fixture model that is always healthy. It never trains anything.",
        "factory: ozfix_good_model:GoodModel",
        "  - name: tiny (default)",
        "    test preset: yes",
        "      width: 3",
        "      epochs: 1",
        "  - name: large",
        "    test preset: no",
        "  - name: width",
        "    type: int",
        "    range: >= 1",
        "    help: hidden width",
        "precisions: fp32, bf16",
        "capabilities: batch_invariance",
        "default metrics: accuracy, f1_macro (the task's default)",
        "expected failures:",
        "  check_model_compiles: fixture reason",
    ]:
        assert expected in out, expected


def test_info_shows_metric_direction_and_range(invoke):
    out = invoke(["info", "good-metric"], "good").stdout
    assert "direction: lower is better" in out
    assert "range: [0.0, inf]" in out


def test_info_shows_dataset_splits_and_source(invoke):
    out = invoke(["info", "good-data"], "good").stdout
    assert "splits: train, validation, test" in out
    assert "source: made up for tests (CC0)" in out


def test_info_on_a_task_lists_its_components(invoke):
    out = invoke(["info", "image-classification"], "good").stdout
    assert "models: good-model" in out
    assert "datasets: good-data, toy-images" in out
    assert "example:" in out


def test_info_with_a_preset_tag_marks_the_selected_preset(invoke):
    out = invoke(["info", "good-model.large"], "good").stdout
    assert "  - name: large (selected)" in out


def test_info_with_an_unknown_preset_tag_suggests_and_exits_2(invoke):
    result = invoke(["info", "good-model.larg"], "good")
    assert result.exit_code == 2
    assert "Did you mean 'large'?" in result.stderr


def test_info_accepts_dist_colon_name_for_each_clashing_component(invoke):
    for dist in ("ozfix-twin-a", "ozfix-twin-b"):
        result = invoke(["info", f"{dist}:twin"], "twin_a", "twin_b")
        assert result.exit_code == 0
        assert f"The twin model from distribution {dist}." in result.stdout
        assert f"select as: {dist}:twin" in result.stdout


def test_info_on_a_clashing_plain_name_shows_both(invoke):
    out = invoke(["info", "twin"], "twin_a", "twin_b").stdout
    assert "select as: ozfix-twin-a:twin" in out and "select as: ozfix-twin-b:twin" in out


def test_info_on_an_unknown_name_suggests_and_exits_2(invoke):
    result = invoke(["info", "good-modle"], "good")
    assert result.exit_code == 2
    assert "Error: unknown component 'good-modle'. Did you mean 'good-model'" in result.stderr
    assert "Traceback" not in result.output


def test_info_kind_narrows_the_search(invoke):
    result = invoke(["info", "--kind", "datasets", "good-model"], "good")
    assert result.exit_code == 2
    assert "unknown dataset 'good-model'" in result.stderr


def test_info_json_is_the_whole_spec(invoke):
    result = invoke(["info", "good-model", "--json"], "good")
    (record,) = json.loads(result.stdout)
    assert record["kind"] == "model"
    assert record["presets"][0] == {
        "name": "tiny",
        "description": "for tests",
        "config": {"width": 3},
        "training": {"epochs": 1},
        "test": True,
        "requires_pretrained": False,
    }
    assert record["options"][0]["type"] == "int"
    assert record["options"][0]["minimum"] == 1
    assert record["origin"] == {"dist": "ozfix-good", "version": "1.2.0", "plugin": "ozfix_good", "builtin": False}


def test_info_json_writes_infinity_as_a_string(invoke):
    (record,) = json.loads(invoke(["info", "good-metric", "--json"], "good").stdout)
    assert record["range"] == [0.0, "inf"]
