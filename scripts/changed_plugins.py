#!/usr/bin/env python3
"""Print the JSON matrix of plugins a change must test.

    python scripts/changed_plugins.py --base origin/main          # paths from `git diff --name-only BASE...HEAD`
    python scripts/changed_plugins.py core/openzoo/engine/loop.py  # or paths given as arguments
    git diff --name-only main | python scripts/changed_plugins.py -  # or one path per line on stdin

Rules: a change under core/, tests/, templates/, scripts/, benchmarks/, pyproject.toml, noxfile.py, .ci/ or
.github/ tests every plugin; a change in plugins/X tests X; documentation-only changes (docs/, *.md at the top
level, LICENSE) test none. A top-level path the rules do not know fails loudly (exit 2), so a new directory
cannot silently skip CI: add it to the rules.

Output: {"plugin": ["openzoo-bert", ...]} (the shape of a GitHub Actions matrix), sorted; with --list one per line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Top-level entries whose change tests every plugin.
EVERYTHING = {
    "core",
    "tests",
    "templates",
    "scripts",
    "benchmarks",
    "pyproject.toml",
    "noxfile.py",
    ".ci",
    ".github",
    ".pre-commit-config.yaml",
}
#: Top-level entries that never need a plugin test.
NOTHING = {
    "docs",
    "README.md",
    "CONTRIBUTING.md",
    "GOVERNANCE.md",
    "SECURITY.md",
    "CODE_OF_CONDUCT.md",
    "LICENSE",
    ".gitignore",
}


class UnknownPathError(ValueError):
    """A changed path outside every rule."""


def all_plugins(root: Path = ROOT) -> list[str]:
    """Return the plugin directories (those with a pyproject.toml) under plugins/."""
    return sorted(p.parent.name for p in (root / "plugins").glob("*/pyproject.toml"))


def plugins_to_test(paths: Iterable[str], plugins: list[str]) -> list[str]:
    """Return the sorted plugins that the changed ``paths`` require testing.

    :raises UnknownPathError: for a path no rule covers.
    """
    selected: set[str] = set()
    for raw in paths:
        path = raw.strip().strip("/")
        if not path:
            continue
        parts = Path(path).parts
        top = parts[0]
        if top == "plugins":
            if len(parts) < 2:
                raise UnknownPathError(f"{raw!r}: a path under plugins/ must name a plugin directory")
            if parts[1] in plugins:
                selected.add(parts[1])
            elif len(parts) == 2:
                continue  # e.g. plugins/README.md
            else:
                # a plugin that was removed or renamed: nothing to test for it, but the rest still runs
                continue
        elif top in EVERYTHING:
            return sorted(plugins)
        elif top in NOTHING:
            continue
        else:
            raise UnknownPathError(
                f"{raw!r}: top-level entry {top!r} is not covered by the rules in scripts/changed_plugins.py; "
                "add it to EVERYTHING or NOTHING there"
            )
    return sorted(selected)


def changed_paths(base: str, root: Path = ROOT) -> list[str]:
    """Return the paths changed between ``base`` and HEAD (three-dot diff, as a pull request shows)."""
    out = subprocess.run(
        ["git", "diff", "--name-only", f"{base}...HEAD"], cwd=root, check=True, capture_output=True, text=True
    )
    return out.stdout.splitlines()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="changed paths; '-' reads them from stdin")
    parser.add_argument("--base", help="git ref to diff against (instead of paths)")
    parser.add_argument("--list", action="store_true", help="print one plugin per line instead of JSON")
    args = parser.parse_args(argv)
    if args.base and args.paths:
        parser.error("give either --base or paths, not both")
    if args.base:
        try:
            paths = changed_paths(args.base)
        except subprocess.CalledProcessError as exc:
            print(f"changed_plugins: git diff against {args.base!r} failed: {exc.stderr.strip()}", file=sys.stderr)
            return 2
    elif args.paths == ["-"]:
        paths = sys.stdin.read().splitlines()
    else:
        paths = args.paths
    try:
        selected = plugins_to_test(paths, all_plugins())
    except UnknownPathError as exc:
        print(f"changed_plugins: {exc}", file=sys.stderr)
        return 2
    if args.list:
        print("\n".join(selected))
    else:
        print(json.dumps({"plugin": selected}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
