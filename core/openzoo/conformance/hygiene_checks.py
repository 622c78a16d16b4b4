"""Process hygiene and hermeticity, judged in a fresh interpreter (see :mod:`.hygiene_probe`).

One probe per plugin imports it, loads its datasets, builds, predicts with, saves,
moves and reloads its models, with ``HOME`` and the caches pointed at empty
temporary directories and an empty working directory; two checks read its report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path
from typing import Any

from openzoo.conformance.declaration import check, fail
from openzoo.conformance.seed_probe import other_hash_seed
from openzoo.conformance.subjects import PluginSubject
from openzoo.tasks import TEXT_GENERATION

__all__ = [
    "HYGIENE_TIMEOUT",
    "check_plugin_leaves_process_state_unchanged",
    "check_plugin_runs_hermetically",
    "hygiene_report",
]

#: Seconds the hygiene probe may take.
HYGIENE_TIMEOUT = 300.0
#: Requirement name -> import name, for the libraries imported before the first snapshot.
_IMPORT_NAMES = {"pillow": "PIL", "scikit-learn": "sklearn", "openzoo": "openzoo.plugins"}
_SHOWN = 6


def _preload(dist: str) -> list[str]:
    try:
        requirements = requires(dist) or []
    except PackageNotFoundError:
        return []
    names = []
    for requirement in requirements:
        if "extra ==" in requirement:
            continue
        name = requirement.split(";")[0].strip()
        for stop in "<>=!~[ (":
            name = name.split(stop)[0]
        name = name.strip().lower()
        names.append(_IMPORT_NAMES.get(name, name.replace("-", "_")))
    return names


def _plan(subject: PluginSubject) -> dict[str, Any]:
    registry = subject.registry
    models, datasets = [], []
    for kind, spec in subject.specs():
        if kind == "datasets":
            datasets.append({"name": spec.name, "loader": spec.loader})
        elif kind == "models" and spec.test_presets:
            task = registry.task(spec.task)
            name = spec.test_dataset or task.toy_dataset
            if name is None:
                continue
            models.append(
                {
                    "name": spec.name,
                    "task": spec.task,
                    "factory": spec.factory,
                    "config": dict(spec.test_presets[0].config),
                    "dataset": registry.dataset(name).loader,
                    "options": {"max_new_tokens": 2} if spec.task == TEXT_GENERATION else {},
                    # built once more each, from seed 0, for check_model_seed_gives_same_weights
                    "seed_builds": {preset.name: dict(preset.config) for preset in spec.test_presets},
                }
            )
    return {
        "entry_module": subject.entry_module,
        "models": models,
        "datasets": datasets,
        "preload": _preload(subject.dist),
    }


def hygiene_report(subject: PluginSubject) -> dict[str, Any]:
    """Run the hygiene probe on ``subject`` once (cached on the subject) and return its report."""
    cached = vars(subject).get("_hygiene_report")
    if isinstance(cached, Exception):
        raise cached
    if cached is not None:
        return cached
    try:
        report = _run_probe(subject)
    except Exception as exc:
        vars(subject)["_hygiene_report"] = exc
        raise
    vars(subject)["_hygiene_report"] = report
    return report


def _run_probe(subject: PluginSubject) -> dict[str, Any]:
    if subject.entry_module is None:
        raise fail(subject, "the plugin's entry point must name a module", "none found", "declare the entry point")
    with tempfile.TemporaryDirectory(prefix="openzoo-hygiene-plan-") as raw:
        plan_path, report_path = Path(raw) / "plan.json", Path(raw) / "report.json"
        plan_path.write_text(json.dumps(_plan(subject), default=str), encoding="utf-8")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        env["PYTHONHASHSEED"] = other_hash_seed()  # its seed-0 builds serve the seed check's fresh interpreter
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "openzoo.conformance.hygiene_probe", str(plan_path), str(report_path)],
                capture_output=True,
                text=True,
                timeout=HYGIENE_TIMEOUT,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise fail(
                subject, "the hygiene probe must finish", f"no answer in {HYGIENE_TIMEOUT:.0f} s", "see what hangs"
            ) from None
        if done.returncode != 0 or not report_path.exists():
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise fail(
                subject,
                "the plugin must run in a fresh interpreter",
                tail,
                "run python -m openzoo.conformance.hygiene_probe to see the error",
            )
        report = json.loads(report_path.read_text(encoding="utf-8"))
    optional = {f"load dataset {spec.name}" for kind, spec in subject.specs() if kind == "datasets"}
    # a dataset that reads the user's files cannot load with its defaults: a BadInputError there is its documented answer
    # and one whose optional data package is missing is reported *unavailable* by the dataset checks, not here
    report["failures"] = [
        f
        for f in report["failures"]
        if not (
            f["phase"] in optional
            and (
                f["detail"].startswith("DataUnavailableError")
                or (f["detail"].startswith("BadInputError") and _needs_options(subject, f))
            )
        )
    ]
    return report


def _needs_options(subject: PluginSubject, failure: dict[str, str]) -> bool:
    name = failure["phase"].removeprefix("load dataset ")
    for kind, spec in subject.specs():
        if kind == "datasets" and spec.name == name:
            return any(o.default is None for o in spec.options)
    return False


def _listed(entries: list[dict[str, str]]) -> str:
    shown = [f"{e['phase']}: {e['detail']}" for e in entries[:_SHOWN]]
    more = f" (and {len(entries) - _SHOWN} more)" if len(entries) > _SHOWN else ""
    return "; ".join(shown) + more


@check(kind="packaging", applies_to="every plugin distribution")
def check_plugin_leaves_process_state_unchanged(subject: PluginSubject) -> None:
    """Importing the plugin, loading its data, building and predicting leave the process as they found them.

    Why: the engine, other plugins and the user's own code share the process; a plugin
    that calls ``torch.manual_seed``/``np.random.seed``/``random.seed``, changes the
    default dtype or grad mode, adds root logging handlers, sets environment variables
    or warning filters changes every run after it. Checked in a fresh interpreter, with
    snapshots before and after each step, each change reported by name. Fix: use a
    local ``torch.Generator``/``np.random.default_rng(seed)``, restore what you change
    (``torch.random.fork_rng``, ``torch.no_grad()`` as a context) and configure only
    your own logger.
    """
    report = hygiene_report(subject)
    found = report["changes"] + [{**e, "detail": "re-seeds the " + e["detail"]} for e in report["reseeded"]]
    if found:
        raise fail(
            subject,
            "the plugin must leave the process state as it found it",
            _listed(found),
            "use local generators, restore global settings in a context manager, configure only your own logger",
        )


@check(kind="packaging", applies_to="every plugin distribution")
def check_plugin_runs_hermetically(subject: PluginSubject) -> None:
    """Data loads, model saves and loads work from an empty directory with ``HOME`` and caches empty, writing nowhere else.

    Why: users run from any directory, CI has an empty ``HOME``, and a read-only
    site-packages is common; a loader that reads a path relative to the working
    directory, a cache under ``~`` that the author's machine happened to have, a write
    into the package directory, or a saved model that stores its own absolute path
    works only on the author's machine. Fix: find packaged data with
    ``importlib.resources``, write only where you are told (the save directory, the
    cache the user configured), and store paths relative to the saved directory.
    """
    report = hygiene_report(subject)
    problems = (
        [{**e, "detail": "wrote outside the working and cache directories: " + e["detail"]} for e in report["writes"]]
        + report["failures"]
        + [e for e in report["moved"] if e not in report["failures"]]
    )
    if problems:
        raise fail(
            subject,
            "the plugin must run from an empty working directory with empty HOME and caches, and write nowhere else",
            _listed(problems),
            "read packaged data with importlib.resources, write only to the given directories, store relative paths",
        )
