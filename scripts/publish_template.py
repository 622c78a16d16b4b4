#!/usr/bin/env python3
"""Publish ``templates/plugin`` as the root of the plugin-template repository, tagged with the core's version.

    python scripts/publish_template.py openzoo-v0.3.0 https://github.com/openzoo/openzoo-plugin-template.git

A plugin rendered by ``openzoo new`` records ``gh:openzoo/openzoo-plugin-template`` at ``v<core version>``
in its ``.copier-answers.yml`` (``openzoo/scaffold/source.py``), and ``copier update`` follows only a git
repository whose root holds ``copier.yml``. So each core release (tag ``openzoo-v<version>``) adds one commit
to that repository's ``main`` whose tree is exactly ``templates/plugin`` at the released commit, with the
previous release as its parent, and tags it ``v<version>``. The release workflow runs this after the core is
on PyPI; a maintainer can run it by hand the same way.

- A tag that is not a core release tag, or whose version differs from pyproject.toml, is refused (exit 2).
- Publishing is idempotent: when ``v<version>`` already holds exactly this template, nothing is pushed.
- A published tag is never moved: when ``v<version>`` exists with another template, it exits 2.

Credentials come from git's own configuration (the workflow passes a token through ``GIT_CONFIG_*``
environment variables, never on the command line).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "templates/plugin"
CORE = "openzoo"


class PublishError(RuntimeError):
    """The template cannot be published; the message says why and what to do."""


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if done.returncode != 0:
        raise PublishError(f"git {' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip()


def _release_version(tag: str, repo: Path) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from check_release_tag import ReleaseTagError, check_tag

    try:
        directory, version = check_tag(tag, repo)
    except ReleaseTagError as exc:
        raise PublishError(str(exc)) from None
    if directory.resolve() != repo.resolve():
        raise PublishError(
            f"tag {tag!r} releases a plugin, not the core: only core releases ({CORE}-v<version>) publish the template"
        )
    return version


def _remote_ref(repo: Path, remote: str, ref: str) -> str | None:
    """Return the commit ``ref`` names on ``remote``, or None when it does not exist there."""
    out = _git(repo, "ls-remote", remote, ref)
    for line in out.splitlines():
        sha, name = line.split("\t", 1)
        if name == ref:
            return sha
    return None


def publish(tag: str, remote: str, repo: Path = ROOT) -> str:
    """Publish the template of ``repo``'s HEAD to ``remote`` as ``v<version>``; return what was done.

    :raises PublishError: for a tag that is not a core release, a repository without the template, or a
        published tag that holds another template.
    """
    version = _release_version(tag, repo)
    try:
        tree = _git(repo, "rev-parse", f"HEAD:{TEMPLATE}")
    except PublishError:
        raise PublishError(
            f"{repo} has no {TEMPLATE} at HEAD; run this from a clone of the openzoo repository"
        ) from None
    if not (repo / TEMPLATE / "copier.yml").is_file():
        raise PublishError(f"{repo / TEMPLATE} holds no copier.yml; it is not the plugin template")
    version_tag = f"v{version}"
    with tempfile.TemporaryDirectory(prefix="openzoo-template-") as scratch:
        work = Path(scratch)
        _git(work, "init", "-q", "--bare")
        _git(work, "fetch", "-q", "--no-tags", str(repo.resolve()), "HEAD")  # brings the template's objects
        published = _remote_ref(work, remote, f"refs/tags/{version_tag}")
        if published is not None:
            _git(work, "fetch", "-q", "--no-tags", remote, f"refs/tags/{version_tag}")
            published_tree = _git(work, "rev-parse", "FETCH_HEAD^{tree}")
            if published_tree == tree:
                return f"{remote} already holds {version_tag} with this template; nothing to publish"
            raise PublishError(
                f"{remote} already has {version_tag} with another template (tree {published_tree[:12]}, this one "
                f"{tree[:12]}); a published tag is never moved: release a new core version instead"
            )
        parents: list[str] = []
        if _remote_ref(work, remote, "refs/heads/main") is not None:
            _git(work, "fetch", "-q", "--no-tags", remote, "refs/heads/main")
            parents = ["-p", _git(work, "rev-parse", "FETCH_HEAD")]
        source = _git(repo, "rev-parse", "HEAD")
        identity = {
            "GIT_AUTHOR_NAME": "openzoo release",
            "GIT_AUTHOR_EMAIL": "release@openzoo.invalid",
            "GIT_COMMITTER_NAME": "openzoo release",
            "GIT_COMMITTER_EMAIL": "release@openzoo.invalid",
        }
        message = f"openzoo plugin template {version_tag}\n\nFrom {TEMPLATE} of openzoo {tag} ({source})."
        commit = _git(work, "commit-tree", tree, *parents, "-m", message, env=identity)
        _git(work, "push", "-q", remote, f"{commit}:refs/heads/main", f"{commit}:refs/tags/{version_tag}")
    return f"published {TEMPLATE} of {tag} to {remote} as {version_tag} (commit {commit[:12]})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tag", help="the core release tag, e.g. openzoo-v0.3.0")
    parser.add_argument("remote", help="the template repository's git URL")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the openzoo clone to publish from (default: this one)")
    args = parser.parse_args(argv)
    try:
        print(publish(args.tag, args.remote, args.repo))
    except PublishError as exc:
        print(f"publish_template: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
