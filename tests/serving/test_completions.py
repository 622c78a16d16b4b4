"""``/v1/completions`` of a text generation model: OpenAI's shape, SSE streaming, limits, disconnects."""

from __future__ import annotations

import json

import pytest

from .conftest import predict_json

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gpt_run(trained_run):
    return trained_run("gpt")


@pytest.fixture(scope="module")
def server(serve, gpt_run):
    return serve(gpt_run, "--max-new-tokens", "12", "--max-prompt-chars", "40", "--batch-timeout-ms", "1")


def _events(response) -> list[str]:
    """The ``data:`` payloads of a server-sent event stream, in order."""
    return [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")]


def test_completion_has_openais_shape_and_predicts_text_as_openzoo_predict(server, gpt_run):
    body = server.post("/v1/completions", json={"model": "gpt", "prompt": "the cat", "max_tokens": 6}).json()
    assert body["object"] == "text_completion" and body["id"].startswith("cmpl-") and body["model"] == "gpt"
    [choice] = body["choices"]
    [expected] = predict_json(gpt_run, "the cat", options=("max_new_tokens=6",))
    assert choice["text"] == expected["text"]
    assert choice["index"] == 0 and choice["finish_reason"] in ("length", "stop")


def test_predict_endpoint_returns_the_records_of_openzoo_predict_json(server, gpt_run):
    expected = predict_json(gpt_run, "to be", "or not", options=("max_new_tokens=4",))
    response = server.post("/v1/predict", json={"inputs": ["to be", "or not"], "options": {"max_new_tokens": 4}})
    assert response.json()["records"] == expected


def test_a_list_of_prompts_gets_one_choice_each(server):
    body = server.post("/v1/completions", json={"prompt": ["a", "b", "c"], "max_tokens": 3}).json()
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]


def test_stream_sends_server_sent_events_that_add_up_to_the_completion(server):
    whole = server.post("/v1/completions", json={"prompt": "the dog", "max_tokens": 8}).json()["choices"][0]["text"]
    with (
        server.client() as client,
        client.stream(
            "POST", "/v1/completions", json={"prompt": "the dog", "max_tokens": 8, "stream": True}
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _events(response)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    assert all(chunk["object"] == "text_completion" for chunk in chunks)
    assert "".join(chunk["choices"][0]["text"] for chunk in chunks) == whole
    assert chunks[-1]["choices"][0]["finish_reason"] in ("length", "stop")
    assert all(chunk["choices"][0]["finish_reason"] is None for chunk in chunks[:-1])


def test_echo_prepends_the_prompt(server):
    body = server.post("/v1/completions", json={"prompt": "the", "max_tokens": 3, "echo": True}).json()
    assert body["choices"][0]["text"].startswith("the")


def test_seeded_sampling_repeats(server):
    request = {"prompt": "a", "max_tokens": 6, "temperature": 0.9, "seed": 7}
    first = server.post("/v1/completions", json=request).json()["choices"][0]["text"]
    assert server.post("/v1/completions", json=request).json()["choices"][0]["text"] == first


BAD = [
    pytest.param({"prompt": "x" * 41}, "--max-prompt-chars", id="prompt_too_long"),
    pytest.param({"prompt": "x", "max_tokens": 13}, "--max-new-tokens", id="too_many_new_tokens"),
    pytest.param({"prompt": ["a", "b"], "stream": True}, "stream takes one prompt", id="stream_of_two_prompts"),
    pytest.param({"prompt": []}, "prompt is an empty list", id="no_prompt"),
    pytest.param({"prompt": 5}, "prompt", id="prompt_not_text"),
    pytest.param({"prompt": "x", "n": 2}, "n not supported", id="n_above_one"),
    pytest.param({"prompt": "x", "stop": ["a", "b"]}, "one stop string", id="two_stop_strings"),
    pytest.param({"prompt": "x", "max_tokens": 0}, "max_tokens", id="zero_tokens"),
]


@pytest.mark.parametrize(("request_body", "message"), BAD)
def test_bad_completion_request_gets_a_422(server, request_body, message):
    response = server.post("/v1/completions", json=request_body)
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]["message"]


def test_too_many_new_tokens_in_predict_options_gets_a_422(server):
    response = server.post("/v1/predict", json={"inputs": ["x"], "options": {"max_new_tokens": 100}})
    assert response.status_code == 422
    assert "--max-new-tokens" in response.json()["error"]["message"]


def test_a_client_leaving_mid_stream_does_not_stop_the_server(server):
    with (
        server.client() as client,
        client.stream("POST", "/v1/completions", json={"prompt": "the", "max_tokens": 12, "stream": True}) as response,
    ):
        first = next(response.iter_lines())
        assert first.startswith("data: ")
    # the connection is closed with most of the stream unread
    assert server.get("/health").status_code == 200
    body = server.post("/v1/completions", json={"prompt": "the", "max_tokens": 2}).json()
    assert len(body["choices"]) == 1
    assert server.process.poll() is None


def test_a_prompt_that_is_not_valid_text_gets_a_422_naming_it(server):
    body = b'{"prompt": ["the", "caf\\udce9"], "max_tokens": 2}'  # JSON's escape of a byte that is not UTF-8
    response = server.post("/v1/completions", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert "input 2 is not valid UTF-8 text (byte 0xe9 at position 3)" in response.json()["error"]["message"]


def test_a_predict_input_that_is_not_valid_text_gets_a_422_naming_it(server):
    body = b'{"inputs": ["caf\\udce9"]}'
    response = server.post("/v1/predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert "input 1 is not valid UTF-8 text (byte 0xe9 at position 3)" in response.json()["error"]["message"]
