"""Pages published from files that live outside ``docs/``: the project's rules and the plugins' READMEs.

``CONTRIBUTING.md``, ``GOVERNANCE.md`` and ``SECURITY.md`` become ``project/*.md`` and every
``plugins/<distribution>/README.md`` becomes ``plugins/<distribution>.md``. The files are the single
source: each page is their text with its relative links rewritten, because a link that is right in
the repository (``[GOVERNANCE.md](GOVERNANCE.md)``, ``[openzoo](../../README.md)``) would point
nowhere on the site:

- a link to a published file (one of the above, or a page under ``docs/``) becomes a link to its page;
- any other file or directory of the repository becomes a link to it on the source host (the
  ``Source`` URL of the core's project metadata); images link to the raw file;
- absolute URLs, ``mailto:`` and in-page ``#anchors`` are kept, and code blocks are left alone.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

__all__ = ["PROJECT_FILES", "ROOT", "plugin_readmes", "repository_pages", "rewrite_links", "source_url"]

#: The repository root (``docs/_ext/openzoo_docs/`` is three levels below it).
ROOT = Path(__file__).resolve().parents[3]
#: Root files published in the "Project" section: repository path -> page name.
PROJECT_FILES: dict[str, str] = {
    "CONTRIBUTING.md": "project/contributing",
    "GOVERNANCE.md": "project/governance",
    "SECURITY.md": "project/security",
}
_LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)")
_ABSOLUTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|#|/)")
_FALLBACK_SOURCE = "https://github.com/openzoo/openzoo"


def source_url() -> str:
    """Return the repository's web address: the ``Source`` project URL of the installed core."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls = metadata("openzoo").get_all("Project-URL") or []
    except PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "source" and url.strip():
            return url.strip().rstrip("/")
    return _FALLBACK_SOURCE


def plugin_readmes(root: Path = ROOT) -> dict[str, str]:
    """Return ``{repository path: page name}`` of every ``plugins/<distribution>/README.md``."""
    return {
        f"plugins/{readme.parent.name}/README.md": f"plugins/{readme.parent.name}"
        for readme in sorted(root.glob("plugins/*/README.md"))
    }


def _docs_page(path: str, root: Path) -> str | None:
    if path.startswith("docs/") and path.endswith(".md") and (root / path).is_file():
        return path[len("docs/") : -len(".md")]
    return None


def rewrite_links(text: str, source: str, page: str, published: dict[str, str], *, root: Path = ROOT) -> str:
    """Return ``text`` (the file at repository path ``source``) with links fixed for the page ``page``.

    :param published: repository path -> page name of every file published on the site.
    """
    base = source_url()
    page_dir = posixpath.dirname(page)

    def replace(match: re.Match[str]) -> str:
        target = match["target"]
        if _ABSOLUTE.match(target):
            return match[0]
        path, hash_mark, fragment = target.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        if resolved.startswith("../"):
            return match[0]
        anchor = f"{hash_mark}{fragment}"
        doc = published.get(resolved) or _docs_page(resolved, root)
        if doc is not None and not match["bang"]:
            new = posixpath.relpath(f"{doc}.md", page_dir or ".") + anchor
        elif match["bang"]:
            new = f"{base}/raw/HEAD/{resolved}"
        else:
            new = f"{base}/{'tree' if (root / resolved).is_dir() else 'blob'}/HEAD/{resolved}{anchor}"
        return f"{match['bang']}[{match['text']}]({new}{match['title'] or ''})"

    out: list[str] = []
    fence = ""
    for line in text.splitlines(keepends=True):
        stripped = line.lstrip()
        if fence:
            fence = "" if stripped.startswith(fence) else fence
            out.append(line)
        elif stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            out.append(line)
        else:
            out.append(_LINK.sub(replace, line))
    return "".join(out)


def _page(source: str, page: str, published: dict[str, str], root: Path) -> str:
    text = (root / source).read_text(encoding="utf-8")
    header = f"<!-- Generated from {source} when the site is built; edit that file, not this page. -->\n\n"
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first.startswith("# "):
        header += f"# {Path(source).parent.name or Path(source).stem}\n\n"
    return header + rewrite_links(text, source, page, published, root=root)


def repository_pages(root: Path = ROOT) -> dict[str, str]:
    """Return ``{page path relative to docs/: Markdown}`` of every published repository file."""
    published = {path: page for path, page in PROJECT_FILES.items() if (root / path).is_file()}
    published |= plugin_readmes(root)
    return {f"{page}.md": _page(source, page, published, root) for source, page in published.items()}
