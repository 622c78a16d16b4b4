"""Time the conformance suite: seconds per plugin and per check, on this machine.

    python benchmarks/conformance_time.py                 # every installed plugin
    python benchmarks/conformance_time.py vit bert --device cpu
    python benchmarks/conformance_time.py --fixtures      # the self-test fixture plugins
    python benchmarks/conformance_time.py --certify       # certified mode (what CI and releases run)

Prints one table per plugin (slowest checks first) and a summary against the budget
of 60 s per plugin on a CPU, with the machine's load average (figures under load are noisy).
Measures; asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

BUDGET_SECONDS = 60.0
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "conformance" / "fixtures"


def fixture_registry():
    from openzoo.plugins import PluginSource, load_registry

    sys.path.insert(0, str(FIXTURES))
    entry_points = (FIXTURES / "openzoo_fixtures-0.1.0.dist-info" / "entry_points.txt").read_text().splitlines()
    pairs = [
        (name.strip(), module.strip())
        for name, _, module in (line.partition("=") for line in entry_points if "=" in line)
    ]
    sources = [
        PluginSource(
            name=name,
            dist="openzoo-fixtures",
            version="0.1.0",
            load=lambda m=module: importlib.import_module(m),
            requires=("openzoo<0.2,>=0.1",),
            value=module,
        )
        for name, module in pairs
    ]
    return load_registry(sources, builtins=False, disabled=(), environ={}), [
        s.name for s in sources if s.name != "fixture-base"
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plugins", nargs="*", help="plugin names (default: every installed plugin)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--fixtures", action="store_true", help="time the self-test fixture plugins instead")
    parser.add_argument("--top", type=int, default=10, help="checks shown per plugin")
    parser.add_argument("--certify", action="store_true", help="run in certified mode (every check, no skips)")
    args = parser.parse_args(argv)

    from openzoo.conformance import run_conformance
    from openzoo.plugins import default_registry

    if args.fixtures:
        registry, names = fixture_registry()
        names = args.plugins or names
    else:
        registry, names = default_registry(), args.plugins or None
    start = time.perf_counter()
    reports = run_conformance(names, registry=registry, device=args.device, certify=args.certify)
    total = time.perf_counter() - start

    rows = []
    for report in reports:
        seconds = sum(r.duration for r in report.records)
        rows.append((report.plugin, seconds, report.verdict, report.counts))
        print(
            f"\n{report.dist}:{report.plugin} {report.version} -- {seconds:.1f} s, {len(report.records)} checks, {report.verdict}"
        )
        print(f"  {'seconds':>8}  {'status':7}  check")
        for record in sorted(report.records, key=lambda r: -r.duration)[: args.top]:
            print(f"  {record.duration:8.2f}  {record.status:7}  {record.test_id}")
    print(f"\n{'plugin':28} {'seconds':>8} {'budget':>7} {'ratio':>6}  verdict     passed/failed/skipped/unavailable")
    for plugin, seconds, verdict, counts in rows:
        print(
            f"{plugin:28} {seconds:8.1f} {BUDGET_SECONDS:7.0f} {seconds / BUDGET_SECONDS:6.2f}  {verdict:11} "
            f"{counts['passed']}/{counts['failed']}/{counts['skipped']}/{counts['unavailable']}"
        )
    print(f"{'all (wall clock, imports included)':36} {total:.1f} s")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    cores = os.cpu_count()
    mode = "certified" if args.certify else "standard"
    print(f"mode {mode}; load average {', '.join(f'{x:.1f}' for x in load) if load else 'unknown'} on {cores} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
