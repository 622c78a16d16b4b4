"""``openzoo export --format onnx``: every reference model round-trips through onnxruntime; serve --onnx."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from .conftest import SUBPROCESS_ENV, b64, png_bytes

pytest.importorskip("onnxruntime", reason="the export tests need openzoo[onnx] (the dev extra)")
pytestmark = pytest.mark.slow


def _openzoo(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "openzoo", *args]
    return subprocess.run(command, capture_output=True, text=True, env=SUBPROCESS_ENV, timeout=600, check=False)


@pytest.fixture(scope="module")
def exported(trained_run, tmp_path_factory):
    """Return ``export(key) -> (run_dir, export_dir, manifest)``, exported through the CLI once per key."""
    made = {}

    def export(key):
        if key not in made:
            run = trained_run(key)
            out = tmp_path_factory.mktemp("exports") / key
            done = _openzoo("export", str(run), "--format", "onnx", "--out", str(out))
            assert done.returncode == 0, done.stderr
            assert "max abs diff" in done.stdout
            made[key] = (run, out, json.loads((out / "openzoo-export.json").read_text()))
        return made[key]

    return export


EXPECTED_INPUTS = {
    "vit": {"pixel_values": ["batch", 3, 8, 8]},
    "bert": {
        "input_ids": ["batch", "sequence"],
        "token_type_ids": ["batch", "sequence"],
        "attention_mask": ["batch", "sequence"],
    },
    "gpt": {"input_ids": ["batch", "sequence"], "attention_mask": ["batch", "sequence"]},
    "mf": {"users": ["batch"], "items": ["batch"]},
}


@pytest.mark.parametrize("key", ["vit", "bert", "gpt", "mf"])
def test_export_has_dynamic_axes_and_matches_torch_within_1e_4(exported, key):
    _, out, manifest = exported(key)
    assert (out / "model.onnx").is_file()
    assert {i["name"]: i["shape"] for i in manifest["inputs"]} == EXPECTED_INPUTS[key]
    assert [o["name"] for o in manifest["outputs"]] == (["scores"] if key == "mf" else ["logits"])
    assert [entry["batch_size"] for entry in manifest["verification"]] == [2, 5]
    for entry in manifest["verification"]:
        assert all(0 <= diff <= 1e-4 for diff in entry["max_abs_diff"].values())
    assert manifest["tolerance"] == 1e-4 and len(manifest["weights_sha256"]) == 64


@pytest.mark.parametrize("key", ["vit", "bert", "gpt", "mf"])
def test_onnxruntime_runs_the_export_on_a_batch_of_one(exported, key):
    import onnxruntime

    _, out, manifest = exported(key)
    session = onnxruntime.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    feed = {}
    for spec in manifest["inputs"]:
        shape = [1 if axis == "batch" else 3 if axis == "sequence" else axis for axis in spec["shape"]]
        feed[spec["name"]] = np.ones(shape, dtype=np.float32 if spec["dtype"] == "float32" else np.int64)
    [output] = session.run(None, feed)
    assert output.shape[0] == 1 and np.isfinite(output).all()


def test_export_refuses_a_directory_that_is_not_empty(trained_run, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    done = _openzoo("export", str(trained_run("mf")), "--out", str(tmp_path))
    assert done.returncode == 2
    assert "exists and is not empty" in done.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_export_under_a_file_exits_2_and_leaves_the_file(trained_run, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine")
    done = _openzoo("export", str(trained_run("mf")), "--out", str(blocker / "onnx"))
    assert done.returncode == 2, done.stderr
    assert "a path component is a file, not a directory" in done.stderr and "bug" not in done.stderr
    assert blocker.read_text() == "mine"


def test_export_of_a_missing_run_exits_2(tmp_path):
    done = _openzoo("export", str(tmp_path / "nothing"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "does not exist" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_onnx_gives_the_records_of_torch(exported, serve):
    run, out, _ = exported("vit")
    images = [b64(png_bytes(seed)) for seed in (21, 22)]
    torch_server = serve(run, "--batch-timeout-ms", "1")
    onnx_server = serve(run, "--onnx", str(out), "--batch-timeout-ms", "1")
    assert onnx_server.get("/v1/model").json()["backend"] == "onnxruntime"
    request = {"inputs": images, "options": {"top_k": 4}}
    expected = torch_server.post("/v1/predict", json=request).json()["records"]
    got = onnx_server.post("/v1/predict", json=request).json()["records"]
    assert [r["label"] for r in got] == [r["label"] for r in expected]
    for a, b in zip(got, expected):
        assert [e["label"] for e in a["top_k"]] == [e["label"] for e in b["top_k"]]
        assert a["top_k"][0]["score"] == pytest.approx(b["top_k"][0]["score"], abs=1e-5)


def test_serve_onnx_refuses_a_generation_model(exported):
    run, out, _ = exported("gpt")
    done = _openzoo("serve", str(run), "--onnx", str(out), "--port", "0")
    assert done.returncode == 2
    assert "--onnx serves image-classification, text-classification models" in done.stderr


def test_serve_onnx_refuses_an_export_of_other_weights(exported, trained_run):
    _, vit_export, _ = exported("vit")
    done = _openzoo("serve", str(trained_run("bert")), "--onnx", str(vit_export), "--port", "0")
    assert done.returncode == 2
    assert "was exported from other weights" in done.stderr
