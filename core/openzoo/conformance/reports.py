"""Writers of the reports: JSON certificate, JUnit XML and the Markdown summary, all atomic.

They read only the certificate document (built from the result records), so every
report says the same thing.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

__all__ = ["junit_xml", "markdown_summary", "write_json", "write_junit", "write_markdown", "write_text_atomic"]

_ICONS = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "unavailable": "🚫", "xfail": "⚠️", "xpass": "❗"}


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and a rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | os.PathLike[str], certificate: dict[str, Any]) -> None:
    """Write the certificate as JSON."""
    write_text_atomic(path, json.dumps(certificate, indent=2, sort_keys=False) + "\n")


def junit_xml(certificate: dict[str, Any]) -> str:
    """Return JUnit XML: one testsuite per plugin, one testcase per check (named by its id)."""
    root = ET.Element("testsuites", name="openzoo conformance")
    for plugin in certificate["plugins"]:
        c = plugin["counts"]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{plugin['dist']}:{plugin['plugin']}",
            tests=str(c["applicable"]),
            failures=str(c["failed"]),
            skipped=str(c["skipped"] + c.get("unavailable", 0) + c["waived"]),
            errors="0",
            time=f"{sum(ch['duration_s'] for ch in plugin['checks']):.3f}",
        )
        for check in plugin["checks"]:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{plugin['plugin']}.{check['component']}",
                name=check["id"],
                time=f"{check['duration_s']:.3f}",
            )
            outcome = check["outcome"]
            if check.get("location"):
                file, _, line = check["location"].rpartition(":")
                case.set("file", file)
                case.set("line", line)
            if outcome in ("failed", "xpass"):
                node = ET.SubElement(
                    case, "failure", message=check["message"].splitlines()[0] if check["message"] else outcome
                )
                where = f"\nat: {check['location']}" if check.get("location") else ""
                node.text = f"{check['message']}{where}\nreproduce: {check['reproduce']}"
            elif outcome in ("skipped", "unavailable"):
                ET.SubElement(case, "skipped", message=check["message"])
            elif outcome == "xfail":
                ET.SubElement(case, "skipped", message=f"expected failure: {check['waiver']}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(path: str | os.PathLike[str], certificate: dict[str, Any]) -> None:
    write_text_atomic(path, junit_xml(certificate))


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_summary(certificate: dict[str, Any]) -> str:
    """Return the Markdown table a maintainer reads in a pull request."""
    env = certificate["environment"]
    lines = [
        f"## openzoo conformance: **{certificate['verdict']}**"
        + (" (certified mode)" if certificate.get("mode") == "certified" else ""),
        "",
        f"Suite {certificate['suite_version']} · openzoo {env['core_version']} · python {env['python']} · "
        f"torch {env['torch']} · transformers {env['transformers'] or '-'} · device `{env['device']}`"
        + (f" ({env['device_name']})" if env.get("device_name") else " (not available)"),
        "",
        "| plugin | version | verdict | passed | failed | skipped | unavailable | waived |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in certificate["plugins"]:
        c = p["counts"]
        lines.append(
            f"| {p['dist']}:{p['plugin']} | {p['version']} | {_ICONS.get(p['verdict'], '')} {p['verdict']} | {c['passed']} | {c['failed']} | {c['skipped']} | {c.get('unavailable', 0)} | {c['waived']} |"
        )
    for p in certificate["plugins"]:
        notable = [ch for ch in p["checks"] if ch["outcome"] != "passed"]
        lines += ["", f"### {p['dist']}:{p['plugin']} {p['version']}", ""]
        if not p["checks"]:
            lines.append("No check ran.")
            continue
        if not notable:
            lines.append(f"All {len(p['checks'])} checks passed.")
            continue
        lines += ["| outcome | component | check | level | at | message |", "|---|---|---|---|---|---|"]
        for ch in notable:
            message = ch["message"] or (f"expected failure: {ch['waiver']}" if ch["waiver"] else "")
            where = f"`{ch['location']}`" if ch.get("location") else ""
            lines.append(
                f"| {_ICONS[ch['outcome']]} {ch['outcome']} | {ch['component']} | `{ch['id']}` | {ch['level']} | {where} | {_cell(message)} |"
            )
        repro = [ch["reproduce"] for ch in notable if ch.get("reproduce")]
        if repro:
            lines += ["", "Reproduce a failure:", "", "```sh", *repro, "```"]
    return "\n".join(lines) + "\n"


def write_markdown(path: str | os.PathLike[str], certificate: dict[str, Any]) -> None:
    write_text_atomic(path, markdown_summary(certificate))
