"""``openzoo serve`` of an image classifier: health, model card, predict parity, uploads, docs, metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import b64, png_bytes, predict_json

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def vit_run(trained_run) -> Path:
    return trained_run("vit")


@pytest.fixture(scope="module")
def server(serve, vit_run):
    return serve(vit_run, "--max-batch-size", "8", "--batch-timeout-ms", "1")


def test_health_says_ready_once_the_model_is_loaded(server):
    response = server.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "model": "vit"}


def test_model_card_names_model_task_labels_versions_and_best_metric(server):
    card = server.get("/v1/model").json()
    assert (card["model"], card["preset"], card["task"]) == ("vit", "tiny", "image-classification")
    assert card["labels"] == ["horizontal", "vertical", "diagonal", "cross"]
    assert card["versions"]["plugin"]["dist"] == "openzoo-vit"
    assert card["versions"]["openzoo"]
    assert card["best"]["metric"] == "accuracy" and 0 <= card["best"]["value"] <= 1
    assert card["backend"] == "torch"
    assert card["limits"]["max_batch_size"] == 8


def test_predict_returns_exactly_the_records_of_openzoo_predict_json(server, vit_run, tmp_path):
    images = [png_bytes(seed) for seed in (1, 2, 3)]
    paths = []
    for index, data in enumerate(images):
        path = tmp_path / f"image{index}.png"
        path.write_bytes(data)
        paths.append(str(path))
    expected = predict_json(vit_run, *paths, options=("top_k=3",))
    response = server.post("/v1/predict", json={"inputs": [b64(d) for d in images], "options": {"top_k": 3}})
    assert response.status_code == 200, response.text
    assert response.json()["records"] == expected


def test_predict_accepts_data_urls_and_options_as_text(server):
    data = png_bytes(4)
    plain = server.post("/v1/predict", json={"inputs": [b64(data)], "options": {"top_k": 2}}).json()
    url = server.post(
        "/v1/predict", json={"inputs": ["data:image/png;base64," + b64(data)], "options": {"top_k": "2"}}
    ).json()
    assert url == plain
    assert len(plain["records"][0]["top_k"]) == 2


def test_multipart_upload_gives_the_same_records_as_base64(server):
    images = [png_bytes(5), png_bytes(6)]
    as_json = server.post("/v1/predict", json={"inputs": [b64(d) for d in images], "options": {"top_k": 2}}).json()
    uploaded = server.post(
        "/v1/predict",
        files=[("inputs", ("a.png", images[0], "image/png")), ("inputs", ("b.png", images[1], "image/png"))],
        data={"options": '{"top_k": 2}'},
    )
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json() == as_json


def test_openapi_docs_page_and_schema_are_served(server):
    assert server.get("/docs").status_code == 200
    paths = server.get("/openapi.json").json()["paths"]
    assert {"/health", "/v1/model", "/v1/predict", "/v1/completions", "/metrics"} <= set(paths)
    assert "multipart/form-data" in paths["/v1/predict"]["post"]["requestBody"]["content"]


def test_metrics_count_requests_latency_batches_and_inputs(server):
    server.post("/v1/predict", json={"inputs": [b64(png_bytes(7))]})
    requests = server.metric_samples("openzoo_requests_total")
    assert requests[(("endpoint", "/v1/predict"), ("status", "200"))] >= 1
    assert server.metric_samples("openzoo_request_duration_seconds_count")[(("endpoint", "/v1/predict"),)] >= 1
    assert server.metric_samples("openzoo_batch_size_count")[()] >= 1
    assert server.metric_samples("openzoo_inputs_total")[()] >= 1


def test_several_workers_serve_and_metrics_sum_every_worker(serve, vit_run):
    server = serve(vit_run, "--workers", "2", "--batch-timeout-ms", "1")
    image = b64(png_bytes(8))
    answers = [server.post("/v1/predict", json={"inputs": [image]}) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 6
    assert len({a.text for a in answers}) == 1
    assert server.metric_samples("openzoo_inputs_total")[()] == 6  # whichever worker answers /metrics
