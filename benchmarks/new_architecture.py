"""The contributor path, measured: render the template, swap in a new architecture, certify it.

For each architecture below the script does what a contributor does, in order:

1. ``openzoo new model NAME --task TASK --backend BACKEND --defaults`` (through
   :func:`openzoo.scaffold.render_plugin`), then ``git init`` and a commit of the render;
2. applies the stored patch ``tests/templates/architectures/<id>.patch`` (the
   contributor's edits) with ``git apply``, and counts the changed lines from
   ``git diff --numstat`` against the render (lines added plus lines removed);
3. ``pip install`` of the plugin (no dependencies, no build isolation: the environment
   already has torch and transformers), into a private site directory;
4. ``openzoo conformance openzoo-NAME`` (every required check must pass);
5. ``openzoo train NAME.tiny --dataset <the task's toy dataset> --max-steps 3``.

It prints the wall time of each step and the lines changed, against the contributor's
budget of :data:`LINE_BUDGET` lines. ``tests/templates/test_architectures.py`` runs the
same functions for all five architectures and asserts the budget and the verdicts.

    python benchmarks/new_architecture.py                 # ResNet (the figure the docs quote)
    python benchmarks/new_architecture.py --arch all      # the five architectures
    python benchmarks/new_architecture.py --arch lstm --keep /tmp/lstm   # keep the plugin to read it

Needs git, copier (``pip install -e '.[new]'``), and for the ``hf`` architectures transformers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: Where the contributors' edits are stored, one patch per architecture.
PATCHES = ROOT / "tests" / "templates" / "architectures"
#: The most lines (added plus removed) a contributor should need to swap in an architecture.
LINE_BUDGET = 40
#: The toy dataset core ships for each task.
TOY_DATASETS = {
    "image-classification": "toy-images",
    "text-classification": "toy-sentiment",
    "text-generation": "toy-text",
}


@dataclass(frozen=True)
class Architecture:
    """An architecture the template was not written for, and how it is rendered."""

    #: Id: the name of its patch in :data:`PATCHES`.
    id: str
    #: What it is, in words.
    description: str
    #: Plugin name given to ``openzoo new``.
    name: str
    #: Task and backend given to ``openzoo new``.
    task: str
    backend: str

    @property
    def dist(self) -> str:
        return f"openzoo-{self.name}"

    @property
    def patch(self) -> Path:
        return PATCHES / f"{self.id}.patch"


ARCHITECTURES = {
    arch.id: arch
    for arch in (
        Architecture("resnet", "transformers ResNet image classifier", "resnet-demo", "image-classification", "hf"),
        Architecture("distilbert", "transformers DistilBERT text classifier", "distilbert-demo", "text-classification", "hf"),
        Architecture("lstm", "plain-torch LSTM text classifier", "lstm-demo", "text-classification", "torch"),
        Architecture("cnn", "plain-torch CNN image classifier", "cnn-demo", "image-classification", "torch"),
        Architecture("gpt-neox", "transformers GPT-NeoX causal LM", "neox-demo", "text-generation", "hf"),
    )
}  # fmt: skip


@dataclass
class Adapted:
    """A rendered and adapted plugin, with what each step took."""

    architecture: Architecture
    #: The plugin's directory.
    path: Path
    #: Lines added plus lines removed against the render (``git diff --numstat``).
    lines_changed: int
    #: Wall seconds of each step so far (``render``, ``adapt``, ``install``, ``conformance``, ``train``).
    seconds: dict[str, float] = field(default_factory=dict)


def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "contributor",
        "GIT_AUTHOR_EMAIL": "contributor@example.org",
        "GIT_COMMITTER_NAME": "contributor",
        "GIT_COMMITTER_EMAIL": "contributor@example.org",
        "GIT_CEILING_DIRECTORIES": str(cwd.parent),  # never the repository the plugin happens to sit in
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} in {cwd} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def adapt(architecture: Architecture, dest: Path) -> Adapted:
    """Render the template for ``architecture`` into ``dest`` and apply its stored patch."""
    from openzoo.scaffold import build_request, render_plugin

    started = time.perf_counter()
    request = build_request("model", architecture.name, task=architecture.task, backend=architecture.backend)
    path = render_plugin(request, dest, defaults=True).path
    rendered = time.perf_counter()
    _git(path, "init", "-q")
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", "openzoo new")
    _git(path, "apply", "--whitespace=error-all", str(architecture.patch))
    _git(path, "add", "-A")
    numstat = _git(path, "diff", "--cached", "--numstat")
    lines = sum(int(added) + int(removed) for added, removed, _ in (row.split("\t") for row in numstat.splitlines()))
    seconds = {"render": rendered - started, "adapt": time.perf_counter() - rendered}
    return Adapted(architecture, path, lines, seconds)


def install(plugins: list[Adapted], site: Path) -> None:
    """``pip install`` the plugins into ``site`` (one pip run; no dependencies, no build isolation)."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    done = subprocess.run(
        [*command, "--target", str(site), *(str(p.path) for p in plugins)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pip install failed:\n{done.stdout}{done.stderr}")
    for plugin in plugins:
        plugin.seconds["install"] = (time.perf_counter() - started) / len(plugins)


def environment(site: Path) -> dict[str, str]:
    """This environment with ``site`` first on ``PYTHONPATH``, offline, and no plugin switches."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENZOO_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH", "")]))
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return env


def certify(plugins: list[Adapted], site: Path) -> dict[str, Any]:
    """Run ``openzoo conformance DIST ... --json`` once for all the plugins and return the certificate."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "openzoo", "conformance", *(p.architecture.dist for p in plugins), "--json"]
    done = subprocess.run(
        [*command, "--quiet"], env=environment(site), capture_output=True, text=True, timeout=900, check=False
    )
    for plugin in plugins:
        plugin.seconds["conformance"] = (time.perf_counter() - started) / len(plugins)
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"openzoo conformance printed no certificate:\n{done.stdout}{done.stderr}") from None


def train(plugin: Adapted, site: Path, out: Path, steps: int = 3) -> list[dict[str, Any]]:
    """``openzoo train NAME.tiny --dataset TOY --max-steps STEPS``; return the run's ``metrics.jsonl`` records."""
    started = time.perf_counter()
    arch = plugin.architecture
    command = [sys.executable, "-m", "openzoo", "train", f"{arch.name}.tiny", "--dataset", TOY_DATASETS[arch.task]]
    command += ["--max-steps", str(steps), "--log-every", "1", "--device", "cpu", "--out", str(out), "--quiet"]
    done = subprocess.run(command, env=environment(site), capture_output=True, text=True, timeout=600, check=False)
    plugin.seconds["train"] = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"openzoo train {arch.name}.tiny failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--arch", default="resnet", choices=[*ARCHITECTURES, "all"], help="architecture (default resnet)"
    )
    parser.add_argument("--keep", type=Path, help="render into this directory and keep it (default: a temporary one)")
    args = parser.parse_args(argv)
    chosen = list(ARCHITECTURES.values()) if args.arch == "all" else [ARCHITECTURES[args.arch]]
    with tempfile.TemporaryDirectory(prefix="openzoo-new-architecture-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        plugins = [adapt(arch, work / "plugins") for arch in chosen]
        install(plugins, work / "site")
        certificate = certify(plugins, work / "site")
        verdicts = {report["dist"]: report["verdict"] for report in certificate["plugins"]}
        for plugin in plugins:
            train(plugin, work / "site", work / "runs" / plugin.architecture.name)
        total = time.perf_counter() - started
    print(f"{'architecture':<42} {'lines':>5}  {'verdict':<8} " + " ".join(f"{s:>11}" for s in plugin.seconds))
    for plugin in plugins:
        arch = plugin.architecture
        row = f"{arch.description:<42} {plugin.lines_changed:>5}  {verdicts.get(arch.dist, '?'):<8} "
        print(row + " ".join(f"{s:>10.1f}s" for s in plugin.seconds.values()))
    worst = max(p.lines_changed for p in plugins)
    print(f"\nwall time {total:.1f} s for {len(plugins)}; most lines changed {worst} (budget {LINE_BUDGET})")
    return 0 if worst <= LINE_BUDGET and set(verdicts.values()) == {"passed"} else 1


if __name__ == "__main__":
    sys.exit(main())
