"""scripts/check_release_tag.py refuses tags that do not match the distribution's version."""

from __future__ import annotations

import pytest


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "openzoo"\nversion = "0.3.0"\n')
    plugin = tmp_path / "plugins" / "openzoo-gpt"
    plugin.mkdir(parents=True)
    (plugin / "pyproject.toml").write_text('[project]\nname = "openzoo-gpt"\nversion = "0.2.0"\n')
    return tmp_path


def test_a_plugin_tag_matching_its_version_names_its_directory(release_tag, repo):
    directory, version = release_tag.check_tag("openzoo-gpt-v0.2.0", repo)
    assert directory == repo / "plugins" / "openzoo-gpt"
    assert version == "0.2.0"


def test_the_core_tag_names_the_repository_root(release_tag, repo):
    assert release_tag.check_tag("refs/tags/openzoo-v0.3.0", repo) == (repo, "0.3.0")


def test_a_tag_whose_version_differs_is_refused_with_the_fix(release_tag, repo):
    with pytest.raises(release_tag.ReleaseTagError, match=r"declares 0\.2\.0; bump the version"):
        release_tag.check_tag("openzoo-gpt-v0.2.1", repo)


def test_a_tag_for_an_unknown_distribution_is_refused(release_tag, repo):
    with pytest.raises(release_tag.ReleaseTagError, match="not in this repository"):
        release_tag.check_tag("openzoo-bert-v0.1.0", repo)


@pytest.mark.parametrize("tag", ["v0.1.0", "openzoo-gpt-0.2.0", "openzoo-gpt-vlatest"])
def test_malformed_tags_are_refused(release_tag, repo, tag):
    with pytest.raises(release_tag.ReleaseTagError, match="not of the form"):
        release_tag.check_tag(tag, repo)


def test_every_real_distribution_version_can_be_tagged(release_tag):
    for name, directory in release_tag.distribution_dirs().items():
        version = release_tag.tomllib.loads((directory / "pyproject.toml").read_text())["project"]["version"]
        assert release_tag.check_tag(f"{name}-v{version}")[1] == version
