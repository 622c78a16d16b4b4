"""``openzoo data fetch`` and ``list``: declared downloads from a local HTTP server, never the internet."""

from __future__ import annotations

import hashlib
import http.server
import re
import threading
import types
from typing import ClassVar

import pytest
from click.testing import CliRunner

from openzoo import BadInputError, DataFile, DatasetSpec, downloaded_file, hookimpl
from openzoo.cli import cli
from openzoo.data.fetch import DownloadError, fetch_file
from openzoo.plugins import PluginSource

PAYLOAD = bytes(range(256)) * 400  # 102,400 bytes


class FileServer(http.server.BaseHTTPRequestHandler):
    """Serves ``files`` by path, honouring ``Range: bytes=N-`` with 206; records each request's Range."""

    files: ClassVar[dict[str, bytes]] = {}
    ranges: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        body = self.files.get(self.path)
        self.ranges.append(self.headers.get("Range"))
        if body is None:
            self.send_error(404)
            return
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if match:
            start = int(match.group(1))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        self.wfile.write(body[start:])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    FileServer.files, FileServer.ranges = {}, []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FileServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", FileServer
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENZOO_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def declared(url: str, data: bytes = PAYLOAD) -> DataFile:
    return DataFile("payload.bin", url, len(data), hashlib.sha256(data).hexdigest())


def test_a_full_download_lands_verified_in_the_cache(server, cache):
    base, handler = server
    handler.files["/payload.bin"] = PAYLOAD
    seen = []
    path, outcome = fetch_file("demo", declared(base + "/payload.bin"), progress=lambda done, total: seen.append(done))
    assert (path, outcome) == (cache / "demo" / "payload.bin", "downloaded")
    assert path.read_bytes() == PAYLOAD
    assert seen[-1] == len(PAYLOAD)
    assert not (cache / "demo" / "payload.bin.part").exists()
    assert fetch_file("demo", declared(base + "/payload.bin")) == (path, "cached")
    assert handler.ranges == [None]  # the second fetch did not reach the server


def test_a_partial_download_resumes_with_a_range_request(server, cache):
    base, handler = server
    handler.files["/payload.bin"] = PAYLOAD
    (cache / "demo").mkdir(parents=True)
    (cache / "demo" / "payload.bin.part").write_bytes(PAYLOAD[:30000])
    path, outcome = fetch_file("demo", declared(base + "/payload.bin"))
    assert outcome == "resumed"
    assert handler.ranges == ["bytes=30000-"]
    assert path.read_bytes() == PAYLOAD


def test_a_checksum_mismatch_deletes_the_download_and_fails(server, cache):
    base, handler = server
    handler.files["/payload.bin"] = PAYLOAD[::-1]  # same size, other bytes
    with pytest.raises(DownloadError, match=r"SHA-256 mismatch: expected [0-9a-f]{64}, got [0-9a-f]{64}"):
        fetch_file("demo", declared(base + "/payload.bin"))
    assert list((cache / "demo").iterdir()) == []


def test_an_unreachable_server_names_the_file_and_where_to_put_it(cache):
    with pytest.raises(
        DownloadError, match=r"cannot reach http://127\.0\.0\.1:9/payload\.bin .* put it at .*payload\.bin"
    ):
        fetch_file("demo", declared("http://127.0.0.1:9/payload.bin"))


def test_a_loader_finds_the_file_offline_or_says_what_is_missing(cache, server):
    file = declared("https://example.invalid/payload.bin")
    with pytest.raises(BadInputError) as caught:
        downloaded_file("demo", file)
    message = str(caught.value)
    assert "payload.bin (102.4 kB) is not in the cache" in message
    assert "openzoo data fetch demo" in message
    assert f"put it at {cache / 'demo' / 'payload.bin'}" in message
    (cache / "demo").mkdir(parents=True)
    (cache / "demo" / "payload.bin").write_bytes(PAYLOAD)
    assert downloaded_file("demo", file) == cache / "demo" / "payload.bin"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sha256", "abc", "64 lower-case hex"),
        ("url", "ftp://x/y", "https:// or http://"),
        ("size", 0, "positive number of bytes"),
        ("name", "../escape", "plain file name"),
    ],
    ids=["sha256", "url", "size", "name"],
)
def test_a_bad_data_file_declaration_fails_where_it_is_declared(field, value, message):
    fields = {"name": "f.bin", "url": "https://h/f.bin", "size": 3, "sha256": "0" * 64, field: value}
    with pytest.raises(ValueError, match=message):
        DataFile(**fields)


def demo_plugin(url: str) -> PluginSource:
    module = types.ModuleType("ozdemo_data")

    @hookimpl
    def openzoo_datasets():
        return [
            DatasetSpec(
                "demo-data",
                "text-classification",
                "A dataset with a download.",
                "ozdemo_data:load",
                downloads=(declared(url),),
            ),
        ]

    module.openzoo_datasets = openzoo_datasets
    return PluginSource(name="ozdemo", dist="ozdemo", version="0.1.0", load=lambda: module, value="ozdemo_data")


def test_the_cli_fetches_and_lists(server, cache):
    base, handler = server
    handler.files["/payload.bin"] = PAYLOAD
    obj = {"plugin_sources": [demo_plugin(base + "/payload.bin")]}
    before = CliRunner().invoke(cli, ["data", "list", "--json"], obj=obj)
    assert '"status": "missing"' in before.stdout
    fetched = CliRunner().invoke(cli, ["data", "fetch", "demo-data", "-q"], obj=obj)
    assert fetched.exit_code == 0, fetched.output
    assert "payload.bin downloaded, SHA-256 verified" in fetched.stdout
    after = CliRunner().invoke(cli, ["data", "list"], obj=obj)
    assert re.search(r"demo-data\s+payload\.bin\s+102400\s+cached", after.stdout)


def test_fetching_a_dataset_without_downloads_exits_2(cache):
    result = CliRunner().invoke(cli, ["data", "fetch", "toy-images"], obj={"plugin_sources": []})
    assert result.exit_code == 2 and "declares no downloads" in result.output


def test_movie_reviews_declares_the_real_vader_sdist():
    from openzoo.plugins import default_registry

    registry = default_registry()
    if "movie-reviews" not in registry.names("datasets"):
        pytest.skip("openzoo-bert is not installed")
    (sdist,) = registry.dataset("movie-reviews").downloads
    assert sdist.name == "vaderSentiment-3.3.2.tar.gz" and sdist.size == 2466783
    assert sdist.url.startswith("https://files.pythonhosted.org/packages/") and sdist.url.endswith(sdist.name)
