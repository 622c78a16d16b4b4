"""Cold start-up time of the ``openzoo`` CLI, side by side with a bare ``python -c pass``.

Every fixture plugin of ``tests/fixtures/plugins`` (a good one and each kind of broken
one) is installed as a distribution in a temporary directory on ``PYTHONPATH``, the way
``openzoo`` discovers pip-installed plugins; the plugins installed in this environment
are discovered too. Commands run round-robin (so load on a shared machine spreads over
all of them), each in a fresh interpreter, and the script prints the median and best
wall time of each and its ratio to ``python -c pass``.

Target (issue 2): ``openzoo --help`` and ``openzoo list`` within 0.25 s wall.

    python benchmarks/cli_startup.py [--runs 15] [--profile]

``--profile`` also prints the ten slowest imports of ``openzoo list`` (``python -X importtime``).

Bytecode: pip compiles ``.pyc`` files when it installs a package, so by default the
commands run with a private ``PYTHONPYCACHEPREFIX`` (filled by an untimed warm-up run)
even where the environment sets ``PYTHONDONTWRITEBYTECODE``; ``--as-is`` keeps the
environment unchanged (then an editable checkout recompiles its sources on every run).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.25


def _install_fixture_plugins(site: Path) -> list[str]:
    """Install the test suite's fixture plugins into ``site``; return their keys."""
    spec = importlib.util.spec_from_file_location("openzoo_tests_conftest", ROOT / "tests" / "conftest.py")
    assert spec is not None and spec.loader is not None
    conftest = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = conftest  # dataclasses look their module up there
    spec.loader.exec_module(conftest)
    for key in conftest.FIXTURE_PLUGINS:
        conftest.install_fixture_plugin(site, key)
    return list(conftest.FIXTURE_PLUGINS)


def _openzoo() -> list[str]:
    script = Path(sys.executable).with_name("openzoo")
    return [str(script)] if script.exists() else [sys.executable, "-m", "openzoo"]


def _time(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def _profile(env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import sys; from openzoo.cli import main; main(['list'])"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    print("\nslowest imports of `openzoo list` (cumulative microseconds):")
    for cumulative, name in sorted(rows, reverse=True)[:10]:
        print(f"  {cumulative:>8}  {name}")


def _load() -> str:
    try:
        return ", ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (default 15)")
    parser.add_argument("--profile", action="store_true", help="also print the slowest imports of `openzoo list`")
    parser.add_argument("--as-is", action="store_true", help="keep the environment's bytecode settings")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="openzoo-bench-") as tmp:
        site = Path(tmp) / "site"
        fixtures = _install_fixture_plugins(site)
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENZOO_")}
        env["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [env.get("PYTHONPATH")])])
        if not args.as_is:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        bytecode = "environment as-is" if args.as_is else "bytecode cached as after pip install"
        openzoo = _openzoo()
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "openzoo --help": [*openzoo, "--help"],
            "openzoo list": [*openzoo, "list"],
            "openzoo plugins": [*openzoo, "plugins"],
        }
        for command in commands.values():  # warm the OS file cache; not timed
            _time(command, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(_time(command, env))

        print(f"cold start-up, {args.runs} runs each, round-robin; {len(fixtures)} fixture plugins on PYTHONPATH")
        print(f"python {sys.version.split()[0]} on {os.cpu_count()} CPUs, {bytecode}; load average {_load()}\n")
        base = statistics.median(times["python -c pass"])
        print(f"{'command':<18}{'median s':>10}{'best s':>9}{'x python':>10}  target")
        for name, values in times.items():
            median = statistics.median(values)
            target = (
                ""
                if name in ("python -c pass", "openzoo plugins")
                else (f"<= {TARGET_S} s: " + ("met" if median <= TARGET_S else "MISSED"))
            )
            print(f"{name:<18}{median:>10.3f}{min(values):>9.3f}{median / base:>10.1f}  {target}")
        if args.profile:
            _profile(env)


if __name__ == "__main__":
    main()
