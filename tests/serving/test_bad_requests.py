"""Bad requests get a JSON 4xx with a clear message and no traceback, and the server keeps serving."""

from __future__ import annotations

import pytest

from .conftest import b64, png_bytes

pytestmark = pytest.mark.slow

GOOD_IMAGE = b64(png_bytes(11))


@pytest.fixture(scope="module")
def server(serve, trained_run):
    return serve(trained_run("vit"), "--max-batch-size", "4", "--max-body-bytes", "100000", "--batch-timeout-ms", "1")


BAD_BODIES = [
    pytest.param(b"{not json", 400, "not valid JSON", id="malformed_json"),
    pytest.param(b"[1, 2]", 422, "must be a JSON object", id="not_an_object"),
    pytest.param(b'{"options": {}}', 422, "inputs: Field required", id="no_inputs"),
    pytest.param(b'{"inputs": []}', 422, "inputs is empty", id="empty_list"),
    pytest.param(b'{"inputs": "abc"}', 422, "inputs: Input should be a valid list", id="inputs_not_a_list"),
    pytest.param(b'{"inputs": [3]}', 422, "inputs.0: Input should be a valid string", id="wrong_input_type"),
    pytest.param(b'{"inputs": ["%%%"]}', 422, "inputs.0 is not base64", id="not_base64"),
    pytest.param(b'{"inputs": ["/etc/passwd"]}', 422, "never reads file paths", id="a_path_instead_of_an_image"),
    pytest.param(b'{"inputs": ["aGVsbG8gd29ybGQ="]}', 422, "inputs.0 is not a decodable image", id="undecodable_image"),
    pytest.param(
        ('{"inputs": [' + ", ".join([f'"{GOOD_IMAGE}"'] * 5) + "]}").encode(),
        422,
        "limit of 4 per request",
        id="too_many_inputs",
    ),
    pytest.param(
        f'{{"inputs": ["{GOOD_IMAGE}"], "options": {{"top_k": "many"}}}}'.encode(),
        422,
        "option 'top_k'",
        id="mistyped_option",
    ),
    pytest.param(
        f'{{"inputs": ["{GOOD_IMAGE}"], "options": {{"topk": 1}}}}'.encode(),
        422,
        "Did you mean 'top_k'",
        id="unknown_option",
    ),
    pytest.param(
        f'{{"inputs": ["{GOOD_IMAGE}"], "options": {{"top_k": 0}}}}'.encode(),
        422,
        "option 'top_k' of predict of model 'vit' must be in the range >= 1; got 0",
        id="option_outside_its_declared_range",
    ),
    pytest.param(
        b'{"inputs": ["x"], "input": []}', 422, "input: Extra inputs are not permitted", id="misspelled_field"
    ),
]


@pytest.mark.parametrize(("body", "status", "message"), BAD_BODIES)
def test_bad_predict_request_gets_a_json_error(server, body, status, message):
    response = server.post("/v1/predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert message in error["message"]
    assert error["type"] == "invalid_request_error"
    assert "Traceback" not in response.text


def test_body_over_the_limit_gets_413(server):
    body = b'{"inputs": ["' + b"A" * 150_000 + b'"]}'
    response = server.post("/v1/predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "--max-body-bytes" in response.json()["error"]["message"]


def test_chunked_body_over_the_limit_gets_413(server):
    def chunks():
        yield b'{"inputs": ["'
        for _ in range(20):
            yield b"A" * 10_000
        yield b'"]}'

    response = server.post("/v1/predict", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_undecodable_upload_gets_422(server):
    response = server.post("/v1/predict", files=[("inputs", ("x.png", b"not an image", "image/png"))])
    assert response.status_code == 422
    assert "inputs.0 is not a decodable image" in response.json()["error"]["message"]


def test_completions_on_a_classifier_points_to_predict(server):
    response = server.post("/v1/completions", json={"prompt": "hello"})
    assert response.status_code == 404
    assert "use /v1/predict" in response.json()["error"]["message"]


def test_unknown_route_is_a_json_404(server):
    response = server.get("/v2/nothing")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


def test_server_keeps_serving_after_bad_requests_and_counts_them(server):
    for body, _, _ in (p.values for p in BAD_BODIES):
        server.post("/v1/predict", content=body, headers={"content-type": "application/json"})
    assert server.get("/health").status_code == 200
    response = server.post("/v1/predict", json={"inputs": [GOOD_IMAGE]})
    assert response.status_code == 200 and len(response.json()["records"]) == 1
    errors = server.metric_samples("openzoo_errors_total")
    assert errors[(("endpoint", "/v1/predict"), ("kind", "invalid_request_error"))] >= len(BAD_BODIES)
    assert server.process.poll() is None
