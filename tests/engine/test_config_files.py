"""``openzoo train --config FILE`` (YAML or TOML), flags over the file, and ``--print-config``."""

from __future__ import annotations

import json
import re

import pytest
import yaml

YAML_CONFIG = """\
model: ozmlp.tiny
dataset: toy-images
max-steps: 3
batch_size: 8
lr: 2e-2
loggers: csv
options:
  dataset.size: 60
  hidden: 5
"""
TOML_CONFIG = """\
model = "ozmlp.tiny"
dataset = "toy-images"
max_steps = 3
batch_size = 8
lr = 2e-2
loggers = ["csv"]

[options]
"dataset.size" = 60
hidden = 5
"""


def read_config(path):
    return json.loads((path / "config.json").read_text())


@pytest.mark.parametrize(("suffix", "text"), [(".yaml", YAML_CONFIG), (".toml", TOML_CONFIG)], ids=["yaml", "toml"])
def test_a_config_file_trains_with_its_values(invoke, tmp_path, suffix, text):
    config_file = tmp_path / f"run{suffix}"
    config_file.write_text(text)
    result = invoke("train", "--config", str(config_file), "--out", str(tmp_path / "run"), "-q")
    assert result.exit_code == 0, result.output
    config = read_config(tmp_path / "run")
    assert (config["training"]["max_steps"], config["training"]["batch_size"], config["training"]["lr"]) == (3, 8, 0.02)
    assert config["model"]["options"] == {"hidden": 5} and config["dataset"]["options"]["size"] == 60
    assert config["loggers"] == ["csv"]
    assert config["sources"]["lr"] == f"config:{config_file}"
    assert config["sources"]["out"] == "flag"


def test_flags_override_the_file_and_sources_say_where_each_value_came_from(invoke, tmp_path):
    config_file = tmp_path / "run.yaml"
    config_file.write_text(YAML_CONFIG)
    out = tmp_path / "run"
    result = invoke("train", "--config", str(config_file), "--lr", "0.05", "-o", "hidden=7", "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    config = read_config(out)
    assert config["training"]["lr"] == 0.05 and config["model"]["options"] == {"hidden": 7}
    sources = config["sources"]
    assert sources["lr"] == "flag" and sources["options.hidden"] == "flag"
    assert (
        sources["batch_size"] == f"config:{config_file}" and sources["options.dataset.size"] == f"config:{config_file}"
    )
    assert sources["weight_decay"] == "default"


def test_config_json_records_sources_without_a_config_file_too(train_run):
    run = train_run(max_steps=2)
    sources = read_config(run.path)["sources"]
    assert sources["max_steps"] == "argument" and sources["batch_size"] == "preset:tiny"
    assert sources["weight_decay"] == "default"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_stepz: 3\n", "unknown key in config file .* 'max_stepz'. Did you mean 'max_steps'"),
        ("epochs: three\n", "epochs must be an int; got 'three'"),
        ("options: [1, 2]\n", "options must be a table"),
        ("- just\n- a list\n", "must hold a mapping"),
        ("lr: [\n", "not valid YAML"),
    ],
    ids=["unknown-key", "wrong-type", "options-not-a-table", "not-a-mapping", "bad-syntax"],
)
def test_a_bad_config_file_exits_2_before_anything_is_written(invoke, tmp_path, text, message):
    config_file = tmp_path / "run.yaml"
    config_file.write_text(text)
    out = tmp_path / "run"
    result = invoke("train", "ozmlp.tiny", "-d", "toy-images", "--config", str(config_file), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert re.search(message, result.output), result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_config_file_of_another_kind_is_refused(invoke, tmp_path):
    config_file = tmp_path / "run.json"
    config_file.write_text("{}")
    result = invoke("train", "--config", str(config_file))
    assert result.exit_code == 2 and ".yaml, .yml or .toml" in result.output


def test_print_config_is_complete_and_trains_the_same_run(invoke, tmp_path):
    flags = ["--max-steps", "3", "-o", "dataset.size=60", "--print-config"]
    printed = invoke("train", "ozmlp.tiny", "-d", "toy-images", *flags)
    assert printed.exit_code == 0, printed.output
    complete = yaml.safe_load(printed.stdout)
    assert complete["model"] == "ozmlp" and complete["preset"] == "tiny" and complete["dataset"] == "toy-images"
    assert complete["max_steps"] == 3 and complete["epochs"] is None
    assert {"lr", "batch_size", "warmup_ratio", "schedule", "seed", "precision", "metrics"} <= set(complete)
    assert "hidden" in complete["options"] and complete["options"]["size"] == 60
    assert not (tmp_path / "runs").exists()
    config_file = tmp_path / "complete.yaml"
    config_file.write_text(printed.stdout)
    result = invoke("train", "--config", str(config_file), "--out", str(tmp_path / "run"), "-q")
    assert result.exit_code == 0, result.output
    training = read_config(tmp_path / "run")["training"]
    assert {k: training[k] for k in ("lr", "batch_size", "max_steps", "seed")} == {
        k: complete[k] for k in ("lr", "batch_size", "max_steps", "seed")
    }
