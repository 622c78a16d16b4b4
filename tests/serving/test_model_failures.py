"""A model that fails answers 500 (or an error event mid-stream) without a traceback, and serving goes on.

In process, on the engine tests' ``ozecho`` fixture model (it continues a prompt with the
prompt reversed, one character per piece), through Starlette's test client.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="needs openzoo[serve] (the dev extra)")

from starlette.testclient import TestClient

from openzoo.engine.loading import build_model
from openzoo.plugins import PluginSource, load_registry
from openzoo.serving.app import create_app
from openzoo.serving.settings import ServeSettings

ENGINE_FIXTURE = Path(__file__).parents[1] / "engine" / "fixture"


@pytest.fixture
def client(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(ENGINE_FIXTURE))
    source = PluginSource(
        name="ozengine",
        dist="ozengine",
        version="0.1.0",
        load=lambda: importlib.import_module("ozengine"),
        value="ozengine",
    )
    registry = load_registry(sources=[source], strict=True)
    loaded = build_model(registry, "ozecho", preset=None, options={}, dataset=None, pretrained=None, device="cpu")
    model = loaded.model
    predict, stream = model.predict, model.stream

    def failing_predict(inputs, **options):
        if "boom" in inputs:
            raise RuntimeError("the model broke")
        return predict(inputs, **options)

    def failing_stream(prompt, **options):
        pieces = stream(prompt, **options)
        yield next(pieces)
        if prompt == "boom":
            raise RuntimeError("the model broke mid-stream")
        yield from pieces

    monkeypatch.setattr(model, "predict", failing_predict)
    monkeypatch.setattr(model, "stream", failing_stream)
    app = create_app(loaded, ServeSettings(run_dir=str(tmp_path), batch_timeout_ms=0))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_failing_model_gives_a_json_500_without_traceback_and_serving_goes_on(client):
    failed = client.post("/v1/predict", json={"inputs": ["boom"]})
    assert failed.status_code == 500
    error = failed.json()["error"]
    assert error == {
        "message": "unexpected RuntimeError; see the server's log",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    assert "Traceback" not in failed.text and "the model broke" not in failed.text
    works = client.post("/v1/predict", json={"inputs": ["abc"], "options": {"max_new_tokens": 3}})
    assert works.status_code == 200
    assert works.json() == {"records": [{"prompt": "abc", "text": "cba", "tokens": 3}]}


def test_a_stream_that_fails_midway_ends_with_an_error_event_and_done(client):
    response = client.post("/v1/completions", json={"prompt": "boom", "max_tokens": 4, "stream": True})
    assert response.status_code == 200
    events = [line.removeprefix("data: ") for line in response.text.splitlines() if line.startswith("data: ")]
    assert json.loads(events[0])["choices"][0]["text"] == "m"
    assert json.loads(events[-2]) == {
        "error": {"message": "unexpected RuntimeError", "type": "server_error", "param": None, "code": None}
    }
    assert events[-1] == "[DONE]"
    again = client.post("/v1/completions", json={"prompt": "abc", "max_tokens": 2})
    assert again.json()["choices"][0]["text"] == "cb"


def test_errors_are_counted_by_kind(client):
    client.post("/v1/predict", json={"inputs": ["boom"]})
    client.post("/v1/predict", content=b"{", headers={"content-type": "application/json"})
    text = client.get("/metrics").text
    assert 'openzoo_errors_total{endpoint="/v1/predict",kind="server_error"} 1.0' in text
    assert 'openzoo_errors_total{endpoint="/v1/predict",kind="invalid_request_error"} 1.0' in text
    assert 'openzoo_requests_total{endpoint="/v1/predict",status="500"} 1.0' in text
