"""Bad input to train, evaluate and predict: a clear message, BadInputError (exit 2), and nothing written."""

from __future__ import annotations

import json

import pytest
import torch

from openzoo.engine import api
from openzoo.errors import BadInputError

TRAIN_CASES = [
    pytest.param({"model": "ozmpl"}, "unknown model 'ozmpl'. Did you mean 'ozmlp'", id="unknown-model"),
    pytest.param({"dataset": "toy-imagez"}, "Did you mean 'toy-images'", id="unknown-dataset"),
    pytest.param({"metrics": ["acuracy"]}, "Did you mean 'accuracy'", id="unknown-metric"),
    pytest.param(
        {"metrics": ["rmse"]}, "metric 'rmse' does not apply to task 'image-classification'", id="metric-task"
    ),
    pytest.param({"metrics": ["accuracy@5"]}, "takes no @k option", id="metric-k"),
    pytest.param({"dataset": "toy-sentiment"}, "is for task 'text-classification'", id="dataset-task"),
    pytest.param({"options": {"dropuot": "0.2"}}, "Did you mean 'dropout'", id="undeclared-option"),
    pytest.param({"options": {"hidden": "many"}}, "option 'hidden' of model 'ozmlp' takes an int", id="option-type"),
    pytest.param({"options": {"seed": "1"}}, "write -o model.seed=... or -o dataset.seed", id="ambiguous-option"),
    pytest.param({"options": {"activation": "gelu"}}, "must be one of 'relu', 'tanh'", id="option-choice"),
    pytest.param({"precision": "fp16"}, "precision 'fp16' is not supported on device 'cpu'", id="device-precision"),
    pytest.param(
        {"model": "ozecho", "dataset": "toy-text", "options": {}, "precision": "bf16"},
        "not supported by model 'ozecho'",
        id="model-precision",
    ),
    pytest.param({"device": "tpu"}, "unknown device 'tpu'", id="unknown-device"),
    pytest.param({"model": "ozmlp.huge"}, "unknown preset of model 'ozmlp' 'huge'", id="unknown-preset"),
    pytest.param(
        {"model": "ozmlp.tiny", "preset": "wide"}, "names preset 'tiny' but --preset is 'wide'", id="two-presets"
    ),
    pytest.param(
        {"preset": "tiny", "from_pretrained": "x"}, "either --preset or --from-pretrained", id="preset-and-pretrained"
    ),
    pytest.param({"model": None}, "train needs a MODEL and a --dataset", id="no-model"),
    pytest.param({"epochs": 1, "max_steps": 2}, "either --epochs or --max-steps", id="epochs-and-steps"),
    pytest.param({"batch_size": 0}, "--batch-size must be greater than 0", id="batch-size"),
    pytest.param(
        {"select_metric": "ozerror"}, "--select-metric 'ozerror' is not one of the evaluated", id="select-metric"
    ),
    pytest.param(
        {"dataset": "ozblobs", "options": {"validation_size": 0}},
        "split 'validation' of dataset 'ozblobs' is empty",
        id="empty-split",
    ),
    pytest.param(
        {"dataset": "ozblobs", "options": {"train_size": 0}},
        "split 'train' of dataset 'ozblobs' is empty",
        id="empty-train",
    ),
]


@pytest.mark.parametrize(("overrides", "message"), TRAIN_CASES)
def test_bad_training_input_is_reported_before_anything_is_written(registry, tmp_path, overrides, message):
    arguments = {"model": "ozmlp.tiny", "dataset": "toy-images", "options": {"dataset.size": 60}, **overrides}
    with pytest.raises(BadInputError) as caught:
        api.train(**arguments, out=tmp_path / "run", quiet=True, registry=registry)
    assert message in str(caught.value)
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_device_lists_the_available_ones(registry, tmp_path):
    with pytest.raises(BadInputError, match=r"device 'cuda' is not available on this machine; available devices: cpu"):
        api.train("ozmlp.tiny", "toy-images", device="cuda", out=tmp_path / "run", registry=registry)
    assert not (tmp_path / "run").exists()


def test_an_existing_run_directory_is_never_overwritten(registry, train_run, tmp_path):
    run = train_run(epochs=1)
    before = {p: p.read_bytes() for p in run.path.rglob("*") if p.is_file()}
    with pytest.raises(BadInputError, match=r"already exists and is not empty.*--resume"):
        train_run(epochs=1)
    assert {p: p.read_bytes() for p in run.path.rglob("*") if p.is_file()} == before


@pytest.fixture
def trained(train_run):
    return train_run(epochs=1)


def test_evaluating_a_missing_run_directory_is_bad_input(registry, tmp_path):
    with pytest.raises(BadInputError, match="does not exist"):
        api.evaluate(tmp_path / "missing", registry=registry)


def test_evaluating_a_name_that_is_neither_a_run_nor_a_model_suggests_models(registry):
    with pytest.raises(BadInputError, match="Did you mean 'ozmlp'"):
        api.evaluate("ozmpl", dataset="toy-images", registry=registry)


def test_evaluating_an_unknown_split_lists_the_splits(registry, trained):
    with pytest.raises(BadInputError, match=r"unknown split of dataset 'toy-images' 'tset'\. Did you mean 'test'"):
        api.evaluate(trained, split="tset", registry=registry)


def test_evaluating_with_a_metric_of_another_task_is_bad_input(registry, trained):
    with pytest.raises(BadInputError, match="does not apply to task"):
        api.evaluate(trained, metrics=["perplexity"], registry=registry)


def test_model_options_cannot_change_a_trained_run(registry, trained):
    with pytest.raises(BadInputError, match="unknown option"):
        api.evaluate(trained, options={"hidden": 3}, registry=registry)


def test_corrupt_config_json_is_bad_input(registry, trained):
    (trained.path / "config.json").write_text("{")
    with pytest.raises(BadInputError, match="not valid JSON"):
        api.load(trained, registry=registry)


def test_corrupt_model_weights_are_bad_input(registry, trained):
    (trained.path / "model" / "model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(BadInputError, match=r"weight file .*model.safetensors is truncated or corrupt"):
        api.load(trained, registry=registry)


def test_a_run_of_an_uninstalled_plugin_names_the_distribution_to_install(registry, trained):
    config = json.loads((trained.path / "config.json").read_text())
    config["model"].update(name="gone", dist="openzoo-gone", version="9.9")
    (trained.path / "config.json").write_text(json.dumps(config))
    with pytest.raises(BadInputError, match="install it"):
        api.load(trained, registry=registry)


def test_predict_with_an_undeclared_option_suggests_the_declared_one(registry, trained):
    with pytest.raises(BadInputError, match="Did you mean 'top_k'"):
        api.predict(trained, [torch.zeros(8, 8).numpy()], topk=3, registry=registry)


def test_predict_with_no_inputs_is_bad_input(registry, trained):
    with pytest.raises(BadInputError, match="at least one input"):
        api.predict(trained, [], registry=registry)
