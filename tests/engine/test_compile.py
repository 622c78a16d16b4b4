"""``--compile``: torch.compile for models declaring ``torch_compile``, in train, evaluate and predict."""

from __future__ import annotations

import json
import signal

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from openzoo.engine import api, compiling
from openzoo.engine.interrupt import TrainingInterrupted
from openzoo.errors import BadInputError


def weights(path):
    return load_file(str(path / "model.safetensors"))


def interrupt_at_collate(monkeypatch, call: int) -> None:
    """Press Ctrl-C while the ``call``-th batch is collated (outside the compiled forward, which traces once)."""
    from ozengine.model import OzMLP

    original = OzMLP.collate
    calls = {"n": 0}

    def collate(self, examples):
        calls["n"] += 1
        if calls["n"] == call:
            signal.raise_signal(signal.SIGINT)
        return original(self, examples)

    monkeypatch.setattr(OzMLP, "collate", collate)


@pytest.fixture(autouse=True)
def _fresh_compile_caches():
    """Each test compiles from scratch, so no test depends on what another compiled."""
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def test_a_compiled_run_saves_plain_state_dict_keys_that_load_into_an_uncompiled_module(train_run, registry):
    run = train_run(compile=True, epochs=1)
    saved = weights(run.path / "model")
    assert sorted(saved) == ["net.0.bias", "net.0.weight", "net.3.bias", "net.3.weight"]
    last = weights(run.path / "checkpoints" / "last" / "model")
    assert sorted(last) == sorted(saved)
    assert json.loads((run.path / "config.json").read_text())["training"]["compile"] is True
    loaded = api.load(run.path, registry=registry)
    assert not hasattr(loaded.model.module, "_orig_mod")


def test_an_interrupted_compiled_run_resumed_ends_with_the_weights_of_an_uninterrupted_compiled_run(
    train_run, registry, monkeypatch, tmp_path
):
    uninterrupted = train_run("whole", compile=True, epochs=2, log_every=1)
    torch._dynamo.reset()
    with monkeypatch.context() as patch:
        interrupt_at_collate(patch, call=8)
        with pytest.raises(TrainingInterrupted):
            train_run("parts", compile=True, epochs=2, log_every=1)
    torch._dynamo.reset()
    resumed = api.train(resume=tmp_path / "parts", quiet=True, registry=registry)
    assert resumed.steps == uninterrupted.steps
    whole, parts = weights(uninterrupted.path / "model"), weights(tmp_path / "parts" / "model")
    for key in whole:
        assert torch.equal(whole[key], parts[key]), key


def test_evaluate_and_predict_with_compile_agree_with_eager(train_run, registry, tmp_path):
    run = train_run(epochs=1)
    eager = api.evaluate(run, split="test", registry=registry)
    compiled = api.evaluate(run, split="test", compile=True, registry=registry)
    assert compiled == pytest.approx(eager, abs=1e-6)
    image = np.full((8, 8), 200, dtype=np.uint8)
    eager_records = api.predict(run, [image], registry=registry)
    compiled_records = api.load(run.path, compile=True, registry=registry).predict([image])
    assert compiled_records[0]["label"] == eager_records[0]["label"]


def test_compile_for_a_model_without_the_capability_is_bad_input_naming_it(registry, tmp_path):
    with pytest.raises(BadInputError, match="model 'ozecho' does not declare the capability 'torch_compile'"):
        api.train("ozecho", "toy-text", compile=True, max_steps=1, out=tmp_path / "e", quiet=True, registry=registry)
    assert not (tmp_path / "e").exists()


def test_cli_compile_for_a_model_without_the_capability_exits_2_without_a_traceback(invoke, tmp_path):
    result = invoke("train", "ozecho", "-d", "toy-text", "--max-steps", "1", "--compile", "--out", str(tmp_path / "e"))
    assert result.exit_code == 2
    assert "does not declare the capability 'torch_compile'" in result.output
    assert "Traceback" not in result.output


def test_compile_without_a_cxx_compiler_says_so_instead_of_failing_in_inductor(registry, monkeypatch, tmp_path):
    monkeypatch.delenv("CXX", raising=False)
    monkeypatch.setattr(compiling.shutil, "which", lambda name: None)
    with pytest.raises(BadInputError, match="--compile needs a C\\+\\+ compiler for TorchInductor"):
        api.train("ozmlp.tiny", "toy-images", compile=True, out=tmp_path / "r", quiet=True, registry=registry)


def test_resuming_an_eager_run_with_compile_is_refused_as_a_changed_setting(train_run, registry):
    run = train_run(epochs=1)
    with pytest.raises(BadInputError, match=r"--compile \(the run has False, given True\)"):
        api.train(resume=run.path, compile=True, quiet=True, registry=registry)
