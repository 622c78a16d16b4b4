"""Run a plugin's components in a fresh, hermetic interpreter and report what they left behind.

Run as ``python -m openzoo.conformance.hygiene_probe PLAN.json REPORT.json``. The plan
(written by :mod:`openzoo.conformance.hygiene_checks`) names the plugin's entry module,
its models (factory reference, test-preset config, test-dataset loader, raw inputs)
and its datasets (loader reference). The probe

- points ``HOME``, ``XDG_CACHE_HOME``, ``HF_HOME``, ``TORCH_HOME`` and ``TMPDIR`` at
  empty temporary directories and works in an empty current directory;
- records every file opened for writing, created, renamed or removed outside that
  temporary tree (an audit hook);
- runs each phase -- import the entry module, load each dataset, build each model,
  predict, save, move the saved directory, load it from another working directory and
  predict again -- and snapshots the process state before and after it: the default
  dtype, grad mode, deterministic-algorithms flag, root logger level and handlers,
  environment variables, warning filters, ``sys.path``, and (for the import) the
  torch, numpy and ``random`` generator states;
- runs each repeatable phase twice, from two different seeds, and compares a draw from
  each generator afterwards: equal draws mean the phase re-seeded that generator.

The report is one JSON object: ``changes`` and ``reseeded`` (process hygiene),
``writes``, ``failures`` and ``moved`` (hermeticity), each a list of
``{"phase", "detail"}``; ``error`` for a probe that could not start. Only the standard
library is imported at module level.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import random
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Environment variables that libraries set for themselves when a feature first loads (torch's inductor cache).
LIBRARY_VARIABLES = ("TORCHINDUCTOR_", "TRITON_")
#: The plugin's top-level package (set from the plan).
PLUGIN_PACKAGE = [""]
#: Seeds set before the two runs of a repeatable phase.
PROBE_SEEDS = (101, 202)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _resolve(reference: str) -> Any:
    module, _, attr = reference.partition(":")
    target: Any = importlib.import_module(module)
    for part in attr.split("."):
        target = getattr(target, part)
    return target


#: Filters and environment variables that third-party libraries set themselves (not the plugin).
LIBRARY_OWNED: dict[str, set[Any]] = {"filters": set(), "variables": set()}
_PROBE_FILE = os.path.abspath(__file__)


def _caller_is_plugin() -> bool:
    """Whether the innermost frame outside the standard library and this probe is the plugin's code."""
    import sysconfig

    stdlib = sysconfig.get_paths()["stdlib"]
    frame = sys._getframe(2)
    while frame is not None:
        name = os.path.abspath(frame.f_code.co_filename)
        if not name.startswith(stdlib) and name != _PROBE_FILE and not name.startswith("<"):
            return str(frame.f_globals.get("__name__", "")).split(".")[0] == PLUGIN_PACKAGE[0]
        frame = frame.f_back
    return False


def _attribute_global_setters() -> None:
    """Wrap the setters of warning filters and environment variables to tell libraries' calls from the plugin's."""
    for name in ("filterwarnings", "simplefilter"):
        original = getattr(warnings, name)

        def wrapper(*args: Any, __original: Any = original, **kwargs: Any) -> Any:
            result = __original(*args, **kwargs)
            if not _caller_is_plugin() and warnings.filters:
                LIBRARY_OWNED["filters"].add(_filter(warnings.filters[0]))
            return result

        setattr(warnings, name, wrapper)

    class AttributedEnviron(type(os.environ)):  # type: ignore[misc]
        def __setitem__(self, key: str, value: str) -> None:
            if not _caller_is_plugin():
                LIBRARY_OWNED["variables"].add(key)
            super().__setitem__(key, value)

    os.environ.__class__ = AttributedEnviron


def _digest(value: Any) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:12]


def snapshot() -> dict[str, Any]:
    """Return the process state the phases must leave as they found it."""
    import logging

    import torch

    root = logging.getLogger()
    state = {
        "default dtype": str(torch.get_default_dtype()),
        "grad mode": torch.is_grad_enabled(),
        "deterministic algorithms": torch.are_deterministic_algorithms_enabled(),
        "root logger level": logging.getLevelName(root.level),
        "root logger handlers": [type(h).__name__ for h in root.handlers],
        "warning filters": [
            _filter(f)
            for f in warnings.filters
            if _owned_by_anyone(f[2]) and _filter(f) not in LIBRARY_OWNED["filters"]
        ],
        "sys.path": list(sys.path),
        "torch threads": torch.get_num_threads(),
    }
    state.update(
        {
            f"environment variable {k}": v
            for k, v in os.environ.items()
            if not k.startswith(LIBRARY_VARIABLES) and k not in LIBRARY_OWNED["variables"]
        }
    )
    return state


def _filter(entry: tuple[Any, ...]) -> str:
    action, message, category, module, _ = entry
    pattern, where = getattr(message, "pattern", message) or "", getattr(module, "pattern", module) or ""
    return f"{action}:{getattr(category, '__name__', category)}:{pattern}:{where}"


def _owned_by_anyone(category: Any) -> bool:
    """Whether a filter's category is Python's own or the plugin's, not a third-party library's own warning.

    Libraries (sympy, torch) filter their own warning classes when a feature first loads;
    a filter on a builtin category (``ignore::FutureWarning``) changes everyone's warnings.
    """
    module = str(getattr(category, "__module__", "builtins"))
    return module == "builtins" or module.split(".")[0] == PLUGIN_PACKAGE[0]


def rng_states() -> dict[str, str]:
    import torch

    states = {"torch RNG": _digest(torch.get_rng_state().tolist()), "python random": _digest(random.getstate())}
    if "numpy" in sys.modules:
        states["numpy RNG"] = _digest(sys.modules["numpy"].random.get_state()[1].tolist())
    return states


def _seed_all(seed: int) -> None:
    import torch

    torch.manual_seed(seed)
    random.seed(seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(seed)


def _draw() -> dict[str, Any]:
    import torch

    draws = {"torch RNG": torch.rand(3).tolist(), "python random": random.random()}
    if "numpy" in sys.modules:
        draws["numpy RNG"] = sys.modules["numpy"].random.random()
    return draws


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    out = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            old, new = before.get(key, "<unset>"), after.get(key, "<unset>")
            if isinstance(old, list) and isinstance(new, list):
                added = [x for x in new if x not in old]
                removed = [x for x in old if x not in new]
                out.append(
                    f"{key}: added {added[:3]}, removed {removed[:3]}" if added or removed else f"{key}: reordered"
                )
            else:
                out.append(f"{key}: {str(old)[:80]!r} -> {str(new)[:80]!r}")
    return out


class Probe:
    """Runs phases, recording state changes, re-seeding, writes outside the sandbox and failures."""

    def __init__(self, sandbox: Path, system_temp: str = "") -> None:
        self.sandbox = str(sandbox)
        #: Where writes are fine: the sandbox (HOME, caches, save directories) and the system's temporary directory.
        self.allowed = (*tuple(p + os.sep for p in (self.sandbox, system_temp) if p), "/dev/")
        #: Inside the sandbox but not to be written: the working directories (a user's project).
        self.forbidden = (os.path.join(self.sandbox, "cwd") + os.sep, os.path.join(self.sandbox, "elsewhere-"))
        self.phase = "start"
        #: Whether the audit hook records writes (off once the phases are done).
        self.active = True
        self.report: dict[str, Any] = {k: [] for k in ("changes", "reseeded", "writes", "failures", "moved")}

    def note(self, key: str, detail: str) -> None:
        self.report[key].append({"phase": self.phase, "detail": detail})

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active:
            return
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS
            )
            paths = [path] if writing else []
        elif event in ("os.mkdir", "os.remove", "os.rmdir"):
            paths = [args[0]]
        elif event in ("os.rename", "os.replace"):
            paths = [args[0], args[1]]
        else:
            return
        for path in paths:
            if isinstance(path, int) or path is None:
                continue
            full = os.path.abspath(os.fsdecode(path))
            if full.startswith(self.forbidden) or not full.startswith(self.allowed):
                self.note("writes", f"{event} {full}")

    def run(self, phase: str, action: Callable[[], Any], *, repeat: bool = False, rng_untouched: bool = False) -> Any:
        """Run ``action`` as ``phase``; return its result, or ``None`` when it raised (recorded).

        ``repeat``: run it from two seeds and report generators it re-seeds.
        ``rng_untouched``: report any change of a generator's state (importing must not draw).
        """
        self.phase = phase
        before, rngs = snapshot(), rng_states()
        result, draws = None, []
        for seed in PROBE_SEEDS if repeat else (None,):
            if seed is not None:
                _seed_all(seed)
            try:
                result = action()
            except Exception as exc:  # noqa: BLE001 -- reported to the parent
                self.note("failures", f"{type(exc).__name__}: {str(exc)[:300]}")
                return None
            if seed is not None:
                draws.append(_draw())
        for change in _diff(before, snapshot()):
            self.note("changes", change)
        if rng_untouched:
            for change in _diff(rngs, rng_states()):
                self.note("changes", change.split(":")[0] + " state changed (it drew from or re-seeded it)")
        if repeat:
            for name in draws[0]:
                if draws[0][name] == draws[1][name]:
                    self.note("reseeded", f"{name}: the same draw after it from seeds {PROBE_SEEDS}")
        return result


def _records(records: Any) -> str:
    def rounded(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 4)
        if isinstance(value, dict):
            return {k: rounded(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [rounded(v) for v in value]
        return value

    return json.dumps(rounded(records), sort_keys=True, default=str)


def run_plan(plan: dict[str, Any], probe: Probe) -> dict[str, Any]:
    """Run every phase of ``plan`` inside the probe's sandbox and return the report."""
    sandbox = Path(probe.sandbox)
    sys.addaudithook(probe.audit)
    module = probe.run(
        f"import {plan['entry_module']}", lambda: importlib.import_module(plan["entry_module"]), rng_untouched=True
    )
    for hook in ("openzoo_tasks", "openzoo_models", "openzoo_datasets", "openzoo_metrics", "openzoo_devices"):
        if module is not None and callable(getattr(module, hook, None)):
            probe.run(f"hook {hook}", getattr(module, hook), rng_untouched=True)

    def load_all(reference: str) -> Any:
        source = _resolve(reference)()
        for split in source.splits():
            len(source.load(split))
        return source

    for dataset in plan["datasets"]:
        probe.run(f"load dataset {dataset['name']}", lambda d=dataset: load_all(d["loader"]), repeat=True)
    for model in plan["models"]:
        _probe_model(probe, model, sandbox)
    probe.active = False  # the seed builds are the suite's own work, not the plugin's
    probe.report["seed_digests"] = {model["name"]: _seed_builds(model) for model in plan["models"]}
    return probe.report


def _seed_builds(model: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Each test preset built from seed 0 as :mod:`.seed_probe` builds it: ``{preset: tensor digests}``.

    This interpreter runs with another hash seed than the suite's (see ``hygiene_checks``), so
    check_model_seed_gives_same_weights compares with these instead of starting one more. A preset
    that does not build here is left out; the check then builds it in its own interpreter.
    """
    from openzoo.conformance.seed_probe import build_digests

    out = {}
    for preset, config in model.get("seed_builds", {}).items():
        request = {"factory": model["factory"], "loader": model["dataset"], "config": config, "seed": 0}
        try:
            out[preset] = build_digests(request)
        except Exception:  # noqa: BLE001 -- the seed check builds it itself and reports the error
            continue
    return out


def _seeded_predict(built: Any, model: dict[str, Any]) -> Any:
    """Predict from seed 0, so a model that samples (or a dropout left on) answers the same twice."""
    _seed_all(0)
    return built.predict(model["inputs"], **model["options"])


def _probe_model(probe: Probe, model: dict[str, Any], sandbox: Path) -> None:
    """Build, predict, save, move, reload from elsewhere and predict again with one model."""
    name = model["name"]
    data = probe.run(f"load test dataset of model {name}", lambda: _resolve(model["dataset"])())
    if data is not None:
        from openzoo.conformance.task_inputs import raw_input, sample_examples

        model["inputs"] = [raw_input(model["task"], e) for e in sample_examples(model["task"], data, 3)]
    factory = probe.run(f"resolve model {name}", lambda: _resolve(model["factory"]))
    if data is None or factory is None:
        return
    built = probe.run(f"build model {name}", lambda: factory.create(config=model["config"], dataset=data), repeat=True)
    if built is None:
        return
    built.module.eval()  # as the engine and every other check predict
    probe.run(f"predict with model {name}", lambda: built.predict(model["inputs"], **model["options"]), repeat=True)
    saved, moved, elsewhere = sandbox / f"saved-{name}", sandbox / f"moved-{name}", sandbox / f"elsewhere-{name}"
    saved.mkdir()  # the engine hands save() a fresh, existing directory
    if probe.run(f"save model {name}", lambda: built.save(saved) or True) is None:
        return
    in_place = probe.run(f"load model {name}", lambda: factory.load(saved))
    if in_place is None:
        return
    in_place.module.eval()
    before = probe.run(f"predict with model {name} loaded", lambda: _seeded_predict(in_place, model))
    probe.active = False
    os.rename(saved, moved)
    elsewhere.mkdir()
    probe.active = True
    home = os.getcwd()
    os.chdir(elsewhere)
    try:
        loaded = probe.run(f"load model {name} after moving it", lambda: factory.load(moved), repeat=True)
        again = None
        if loaded is not None:
            loaded.module.eval()
            again = probe.run(f"predict with model {name} after moving it", lambda: _seeded_predict(loaded, model))
    finally:
        os.chdir(home)
    if loaded is None or again is None:
        probe.report["moved"].extend(probe.report["failures"][-1:])
    elif before is not None and _records(again) != _records(before):
        probe.phase = f"load model {name} after moving it"
        probe.note("moved", f"predictions changed: {_records(before)[:160]} -> {_records(again)[:160]}")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        raise SystemExit("usage: python -m openzoo.conformance.hygiene_probe PLAN.json REPORT.json")
    plan = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    report_path = Path(args[1]).resolve()
    PLUGIN_PACKAGE[0] = plan["entry_module"].split(".")[0]
    sys.dont_write_bytecode = True
    warnings.simplefilter("default")
    # what the plugin depends on is imported before any snapshot: their own import-time changes are not the plugin's
    for name in ("numpy", "torch", *plan.get("preload", [])):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    _attribute_global_setters()
    system_temp = os.path.realpath(tempfile.gettempdir())
    with tempfile.TemporaryDirectory(prefix="openzoo-hygiene-", ignore_cleanup_errors=True) as raw:
        sandbox = Path(raw).resolve()
        for variable in ("HOME", "XDG_CACHE_HOME", "HF_HOME", "TORCH_HOME", "TMPDIR"):
            (sandbox / variable.lower()).mkdir()
            os.environ[variable] = str(sandbox / variable.lower())
        tempfile.tempdir = os.environ["TMPDIR"]
        (sandbox / "cwd").mkdir()
        os.chdir(sandbox / "cwd")
        probe = Probe(sandbox, system_temp)
        report = run_plan(plan, probe)
        probe.active = False
        tempfile.tempdir = None
        os.chdir("/")
    report_path.write_text(json.dumps(report), encoding="utf-8")


if __name__ == "__main__":
    main()
