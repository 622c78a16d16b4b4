"""The docs extension's pieces, without a Sphinx build: link rewriting, certificate reading, help escaping."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx", reason="the docs toolchain is in the dev extra: pip install -e '.[dev]'")

DOCS_EXT = Path(__file__).resolve().parents[2] / "docs" / "_ext"
sys.path.insert(0, str(DOCS_EXT))

from openzoo_docs.cli_commands import escape_help_text  # noqa: E402
from openzoo_docs.generated import write_if_changed  # noqa: E402
from openzoo_docs.plugin_catalogue import NO_CERTIFICATE, read_verdict  # noqa: E402
from openzoo_docs.repository_pages import repository_pages, rewrite_links, source_url  # noqa: E402

PUBLISHED = {"CONTRIBUTING.md": "project/contributing", "plugins/openzoo-x/README.md": "plugins/openzoo-x"}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A miniature repository: root files, a plugin with a README, a docs page."""
    (tmp_path / "docs" / "user-guide").mkdir(parents=True)
    (tmp_path / "docs" / "user-guide" / "train.md").write_text("# Training\n")
    (tmp_path / "plugins" / "openzoo-x" / "src").mkdir(parents=True)
    (tmp_path / "plugins" / "openzoo-x" / "README.md").write_text("See [the guide](../../CONTRIBUTING.md).\n")
    (tmp_path / "CONTRIBUTING.md").write_text("# Contributing\n")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "test.sh").write_text("")
    return tmp_path


def test_a_link_to_a_published_file_becomes_a_link_to_its_page(repo: Path) -> None:
    text = "Read [the rules](../../CONTRIBUTING.md#set-up) first."
    out = rewrite_links(text, "plugins/openzoo-x/README.md", "plugins/openzoo-x", PUBLISHED, root=repo)
    assert out == "Read [the rules](../project/contributing.md#set-up) first."


def test_a_link_to_a_docs_page_becomes_a_link_to_that_page(repo: Path) -> None:
    out = rewrite_links("[train](docs/user-guide/train.md)", "CONTRIBUTING.md", "project/contributing", {}, root=repo)
    assert out == "[train](../user-guide/train.md)"


def test_a_link_to_another_repository_file_points_at_the_source_host(repo: Path) -> None:
    out = rewrite_links(
        "[a](scripts/test.sh) [b](plugins/openzoo-x/src)", "CONTRIBUTING.md", "project/x", {}, root=repo
    )
    base = source_url()
    assert out == f"[a]({base}/blob/HEAD/scripts/test.sh) [b]({base}/tree/HEAD/plugins/openzoo-x/src)"


def test_absolute_links_anchors_and_code_blocks_are_left_alone(repo: Path) -> None:
    text = "[w](https://x.org) [a](#top) [m](mailto:a@b.c)\n```\n[code](scripts/test.sh)\n```\n"
    assert rewrite_links(text, "CONTRIBUTING.md", "project/contributing", {}, root=repo) == text


def test_every_published_file_gets_a_page_with_a_title(repo: Path) -> None:
    pages = repository_pages(repo)
    assert set(pages) == {"project/contributing.md", "plugins/openzoo-x.md"}
    assert "\n# openzoo-x\n" in pages["plugins/openzoo-x.md"]
    assert "(../project/contributing.md)" in pages["plugins/openzoo-x.md"]


def _certificate(path: Path, *, dist: str, version: str, verdict: str) -> Path:
    counts = {"applicable": 9, "run": 8, "passed": 7, "failed": 1, "skipped": 1, "waived": 0, "xpassed": 0}
    data = {
        "suite_version": "1.0.0",
        "created": "2026-01-01T00:00:00+00:00",
        "environment": {"device": "cuda"},
        "verdict": verdict,
        "plugins": [{"dist": dist, "version": version, "verdict": verdict, "counts": counts}],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def test_the_verdict_and_counts_come_from_the_certificate(tmp_path: Path) -> None:
    path = _certificate(tmp_path / "c.json", dist="openzoo-x", version="1.0", verdict="failed")
    verdict = read_verdict(path, "openzoo-x", "1.0")
    assert verdict.text == "failed"
    assert verdict.detail.startswith("7 passed, 1 failed, 1 skipped, 0 waived of 9 checks on cuda")


def test_a_missing_certificate_says_there_is_none(tmp_path: Path) -> None:
    assert read_verdict(tmp_path / "none.json", "openzoo-x", "1.0").text == NO_CERTIFICATE


def test_a_certificate_for_another_version_is_reported_stale(tmp_path: Path) -> None:
    path = _certificate(tmp_path / "c.json", dist="openzoo-x", version="0.9", verdict="passed")
    assert read_verdict(path, "openzoo-x", "1.0").text == "stale certificate (for version 0.9, installed 1.0)"


def test_an_unreadable_certificate_is_reported_as_such(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text("{not json")
    assert read_verdict(path, "openzoo-x", "1.0").text.startswith("unreadable certificate")


def test_help_text_globs_and_trailing_underscores_are_escaped_for_rst() -> None:
    lines = ["openzoo list 'toy-*'", "--select 'check_model_*'", ".. option:: --select <ID>", "OPENZOO_DEBUG=1"]
    escape_help_text(None, None, lines)
    assert lines == [
        "openzoo list 'toy-\\*'",
        "--select 'check_model\\_\\*'",
        ".. option:: --select <ID>",
        "OPENZOO_DEBUG=1",
    ]


def test_a_generated_page_is_rewritten_only_when_its_text_changes(tmp_path: Path) -> None:
    page = tmp_path / "reference" / "page.md"
    assert write_if_changed(page, "a\n") is True
    assert write_if_changed(page, "a\n") is False
    assert write_if_changed(page, "b\n") is True
    assert page.read_text() == "b\n"
    assert [p.name for p in page.parent.iterdir()] == ["page.md"]
