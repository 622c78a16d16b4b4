"""A run records the distribution of each component, so a plugin installed later that reuses a name changes nothing.

An "impostor" plugin, built in memory, provides a model ``ozmlp``, a dataset ``toy-images`` and a metric
``accuracy`` -- names the run's plugins already provide -- with lazy references that would fail if anything
ever resolved them. Existing runs still evaluate, predict and resume; new runs asking for a shared name by
its plain name get an error naming both origins.
"""

from __future__ import annotations

import json
import types

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from openzoo import DatasetSpec, MetricSpec, ModelSpec, Preset, hookimpl
from openzoo.plugins import PluginSource

from .conftest import fixture_source

TRAIN = ("train", "ozmlp.tiny", "-d", "toy-images", "-o", "dataset.size=60", "--quiet")
IMAGE = "image-classification"


def impostor_source() -> PluginSource:
    module = types.ModuleType("oz_impostor")
    module.openzoo_models = hookimpl(
        lambda: [
            ModelSpec(
                "ozmlp", IMAGE, "Same name, other code.", "oz_impostor_gone:Model", presets=(Preset("tiny", "x"),)
            )
        ]
    )
    module.openzoo_datasets = hookimpl(
        lambda: [DatasetSpec("toy-images", IMAGE, "Same name.", "oz_impostor_gone:load")]
    )
    module.openzoo_metrics = hookimpl(lambda: [MetricSpec("accuracy", (IMAGE,), "Same name.", "oz_impostor_gone:acc")])
    return PluginSource(name="oz_impostor", dist="oz-impostor", version="6.6.6", load=lambda: module)


@pytest.fixture
def invoke_with(fixture_path):
    from openzoo.cli import cli

    def run(sources, *args: str):
        return CliRunner().invoke(cli, list(args), obj={"plugin_sources": sources})

    return run


@pytest.fixture
def run_dir(invoke_with, tmp_path):
    result = invoke_with([fixture_source()], *TRAIN, "--epochs", "1", "--out", str(tmp_path / "run"))
    assert result.exit_code == 0, result.output
    return tmp_path / "run"


def test_the_run_records_the_distribution_of_its_model_dataset_and_metrics(run_dir):
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["model"]["name"], config["model"]["dist"]) == ("ozmlp", "ozengine")
    assert (config["dataset"]["name"], config["dataset"]["dist"]) == ("toy-images", "openzoo")
    assert {(m["key"], m["dist"]) for m in config["metrics"]} == {("accuracy", "openzoo"), ("f1_macro", "openzoo")}


def test_a_later_plugin_reusing_the_names_does_not_break_evaluate_predict_or_resume(invoke_with, run_dir, tmp_path):
    both = [fixture_source(), impostor_source()]
    evaluated = invoke_with(both, "evaluate", str(run_dir), "--json")
    assert evaluated.exit_code == 0, evaluated.output
    assert set(json.loads(evaluated.stdout)) == {"accuracy", "f1_macro"}
    image = tmp_path / "image.png"
    Image.fromarray(np.full((8, 8), 200, dtype=np.uint8)).save(image)
    predicted = invoke_with(both, "predict", str(run_dir), str(image), "--json")
    assert predicted.exit_code == 0, predicted.output
    resumed = invoke_with(both, "train", "--resume", str(run_dir), "--quiet")
    assert resumed.exit_code == 0, resumed.output


def test_a_new_run_by_the_plain_name_is_told_both_origins_and_the_original_stays_ok(invoke_with, tmp_path):
    both = [fixture_source(), impostor_source()]
    result = invoke_with(both, *TRAIN, "--out", str(tmp_path / "new"))
    assert result.exit_code == 2
    assert (
        "model 'ozmlp' is provided by several plugins (ozengine 0.1.0, oz-impostor 6.6.6); "
        "select one with 'ozengine:ozmlp' or 'oz-impostor:ozmlp'"
    ) in result.stderr
    assert not (tmp_path / "new").exists()
    listing = invoke_with(both, "plugins", "--json")
    status = {r["name"]: r["status"] for r in json.loads(listing.stdout)}
    assert status == {"builtin": "ok", "ozengine": "ok", "oz_impostor": "ok"}


def test_a_run_whose_distribution_is_gone_names_it_even_when_another_plugin_has_the_name(invoke_with, run_dir):
    impostor_only = [impostor_source()]
    result = invoke_with(impostor_only, "evaluate", str(run_dir))
    assert result.exit_code == 2
    assert (
        "the run was trained with model 'ozmlp' from ozengine 0.1.0, which is not installed "
        "(oz-impostor 6.6.6 provides 'ozmlp' too, but the run was not trained with it); "
        "install it (pip install 'ozengine==0.1.0')"
    ) in result.stderr
