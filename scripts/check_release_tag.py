#!/usr/bin/env python3
"""Refuse a release tag whose version differs from the distribution it names.

    python scripts/check_release_tag.py openzoo-gpt-v0.2.0     # prints: plugins/openzoo-gpt 0.2.0
    python scripts/check_release_tag.py openzoo-v0.1.0         # the core distribution (pyproject.toml)

Tags are ``<distribution>-v<version>``. The script prints the directory to build and the version, and exits 2
with the reason when the tag is malformed, names no distribution of this repository, or its version differs
from the one in that distribution's pyproject.toml.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
TAG = re.compile(r"^(?P<dist>[a-z][a-z0-9-]*?)-v(?P<version>\d+(\.\d+)*([abc]|rc)?\d*(\.post\d+)?(\.dev\d+)?)$")


class ReleaseTagError(ValueError):
    """The tag cannot be released."""


def distribution_dirs(root: Path = ROOT) -> dict[str, Path]:
    """Return distribution name -> directory holding its pyproject.toml (core and every plugin)."""
    found = {}
    for pyproject in [root / "pyproject.toml", *sorted((root / "plugins").glob("*/pyproject.toml"))]:
        name = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["name"]
        found[name] = pyproject.parent
    return found


def check_tag(tag: str, root: Path = ROOT) -> tuple[Path, str]:
    """Return (directory, version) for a valid release tag.

    :raises ReleaseTagError: naming what is wrong and what to do.
    """
    match = TAG.match(tag.removeprefix("refs/tags/"))
    if not match:
        raise ReleaseTagError(f"tag {tag!r} is not of the form <distribution>-v<version>, e.g. openzoo-gpt-v0.2.0")
    dist, version = match["dist"], match["version"]
    dirs = distribution_dirs(root)
    if dist not in dirs:
        raise ReleaseTagError(
            f"tag {tag!r} names distribution {dist!r}, which is not in this repository ({', '.join(sorted(dirs))})"
        )
    declared = tomllib.loads((dirs[dist] / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    if declared != version:
        raise ReleaseTagError(
            f"tag {tag!r} says version {version} but {dirs[dist].relative_to(root) / 'pyproject.toml'} declares "
            f"{declared}; bump the version (and CHANGELOG.md) in a pull request first, then tag {dist}-v{declared}"
        )
    return dirs[dist], version


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: check_release_tag.py TAG", file=sys.stderr)
        return 2
    try:
        directory, version = check_tag(args[0])
    except ReleaseTagError as exc:
        print(f"check_release_tag: {exc}", file=sys.stderr)
        return 2
    print(f"{directory.relative_to(ROOT).as_posix() or '.'} {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
