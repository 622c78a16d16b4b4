"""A run's model loads exactly as saved, or the command exits 2 naming the file and the keys -- never predicts at random.

Each test damages a trained run directory the way a user, a disk or a wrong copy could, then runs the
real CLI (``openzoo evaluate``, ``predict``, ``train --resume``) on it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from safetensors.torch import load_file

from openzoo.conformance.tampering import rewrite_weights, truncate_weights

TRAIN = ("train", "ozmlp.tiny", "-d", "toy-images", "-o", "dataset.size=60", "--quiet")


@pytest.fixture
def run_dir(invoke, tmp_path):
    result = invoke(*TRAIN, "--epochs", "2", "--eval-every", "5", "--out", str(tmp_path / "run"))
    assert result.exit_code == 0, result.output
    return tmp_path / "run"


@pytest.fixture
def image(tmp_path) -> Path:
    path = tmp_path / "image.png"
    Image.fromarray(np.full((8, 8), 200, dtype=np.uint8)).save(path)
    return path


@pytest.fixture
def lax_plugin(monkeypatch):
    """Make the fixture model load like a careless plugin: what fits is loaded, the rest stays initialised."""
    from ozengine.model import OzMLP

    def lax_load(cls, directory):
        meta = json.loads((Path(directory) / "config.json").read_text())
        model = cls(meta["config"], meta["labels"], meta["shape"])
        own = model.module.state_dict()
        saved = load_file(str(Path(directory) / "model.safetensors"))
        fitting = {k: v for k, v in saved.items() if k in own and own[k].shape == v.shape}
        model.module.load_state_dict(fitting, strict=False)
        return model

    monkeypatch.setattr(OzMLP, "load", classmethod(lax_load))


def test_a_renamed_weight_fails_evaluate_and_predict_naming_the_keys_and_the_file(invoke, run_dir, image):
    rewrite_weights(run_dir / "model/model.safetensors", lambda t: t.__setitem__("net.9.weight", t.pop("net.0.weight")))
    for args in (("evaluate", str(run_dir)), ("predict", str(run_dir), str(image))):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert f"cannot load the model saved in {run_dir / 'model'} (model.safetensors)" in result.stderr
        assert "net.0.weight" in result.stderr and "net.9.weight" in result.stderr
        assert "Traceback" not in result.output


def test_a_plugin_that_loads_leniently_is_still_caught_when_weights_are_missing(invoke, run_dir, lax_plugin):
    rewrite_weights(run_dir / "model/model.safetensors", lambda t: t.pop("net.3.bias"))
    result = invoke("evaluate", str(run_dir))
    assert result.exit_code == 2, result.output
    assert f"the weights in {run_dir / 'model'} (model.safetensors) do not match model 'ozmlp'" in result.stderr
    assert "keys the model has but the files lack: net.3.bias" in result.stderr


def test_a_plugin_that_loads_leniently_is_still_caught_when_weights_belong_to_another_model(
    invoke, run_dir, lax_plugin
):
    import torch

    rewrite_weights(
        run_dir / "model/model.safetensors",
        lambda t: (t.clear(), t.update({"encoder.weight": torch.zeros(4, 4)})),
    )
    result = invoke("evaluate", str(run_dir))
    assert result.exit_code == 2, result.output
    assert "the files hold 16 values but the model built from the run's config" in result.stderr
    assert "They belong to another model or were altered" in result.stderr


def test_a_reshaped_weight_is_named_with_both_shapes(invoke, run_dir, lax_plugin):
    import torch

    rewrite_weights(run_dir / "model/model.safetensors", lambda t: t.__setitem__("net.3.bias", torch.zeros(7)))
    result = invoke("evaluate", str(run_dir))
    assert result.exit_code == 2, result.output
    assert "reshaped keys: net.3.bias (file [7], model [4])" in result.stderr


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_a_truncated_weight_file_exits_2_naming_the_file(invoke, run_dir, image, command):
    weights = truncate_weights(run_dir / "model/model.safetensors", 40)
    args = (command, str(run_dir)) + ((str(image),) if command == "predict" else ())
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert f"weight file {weights} is truncated or corrupt" in result.stderr
    assert "Traceback" not in result.output


def test_resuming_a_damaged_last_checkpoint_offers_the_intact_best_one_which_then_resumes(invoke, run_dir):
    last, best = run_dir / "checkpoints/last", run_dir / "checkpoints/best"
    best_step = json.loads((best / "state.json").read_text())["step"]
    weights = last / "model/model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    result = invoke("train", "--resume", str(run_dir), "--quiet")
    assert result.exit_code == 2, result.output
    assert f"weight file {weights} is truncated or corrupt" in result.stderr
    assert (
        f"The best checkpoint {best} (step {best_step}) is intact: to continue from it, "
        f"run 'rm -r {last} && cp -r {best} {last}', then 'openzoo train --resume {run_dir}' again"
    ) in " ".join(result.stderr.split())
    shutil.rmtree(last)
    shutil.copytree(best, last)
    resumed = invoke("train", "--resume", str(run_dir), "--quiet")
    assert resumed.exit_code == 0, resumed.output


def test_resuming_a_damaged_trainer_state_offers_the_best_checkpoint(invoke, run_dir):
    (run_dir / "checkpoints/last/trainer_state.pt").write_bytes(b"garbage")
    result = invoke("train", "--resume", str(run_dir), "--quiet")
    assert result.exit_code == 2, result.output
    assert "is corrupt or not a trainer state" in result.stderr and "The best checkpoint" in result.stderr
