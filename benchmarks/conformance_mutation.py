"""The conformance suite's own benchmark: how many mutants of real plugins does it kill?

    python benchmarks/conformance_mutation.py                          # 4 reference plugins, 12 mutants each
    python benchmarks/conformance_mutation.py gpt vit --sample 30 --seed 0 --jobs 2
    python benchmarks/conformance_mutation.py template:recommendation   # a rendered template plugin
    python benchmarks/conformance_mutation.py --sample 0 bert           # every mutant (hours on 2 cores)

Each target is a copy of a plugin's import package: a reference plugin's ``src/`` copied into
the work directory and put first on ``PYTHONPATH`` (it shadows the editable install; the
installed entry points and metadata stay the same), or a template rendered with ``openzoo new``'s
Python API and installed with ``pip install --no-deps --target``. cosmic-ray enumerates the
mutants of every module of that copy; a seeded sample of them is run, one at a time per target,
each judged by ``openzoo conformance DIST --strict`` -- the suite is the only judge, the plugin's own
unit tests never run. The test command (``conformance_mutation.py --judge DIST``, see :func:`judge`)
runs that suite and stops at the first failed check, so a killed mutant costs only the checks up
to it. ``--strict`` holds the reference plugins to the bar of a stable plugin (GOVERNANCE.md:
required and recommended checks green), so a check that is still recommended in its first minor
release counts. Exit 0 = the mutant survived; anything else, or
running past the timeout, kills it.

Why cosmic-ray (8.x) rather than mutmut (3.x): mutmut 3 runs mutants through pytest only, with
trampolines that need the tests and the code in one process, so it cannot use a CLI that loads
the plugin through entry points as its judge; cosmic-ray mutates files in place and takes any
shell command as the test command, keeps every mutant and result in a sqlite session that can be
resumed, and its ``WorkDB``/``mutate_and_test`` API gives the diffs this report lists.

Sampling, caching, parallelism:

- ``--sample N --seed S``: N mutants per target, drawn with ``random.Random(f"{S}:{target}")``
  from the mutants sorted by (file, operator, occurrence), so the same seed and the same plugin
  source give the same sample before and after a change to the suite. ``--sample 0`` runs all.
  The population excludes the ``--exclude`` operators and the annotation equivalents (below),
  so every sampled mutant can change behaviour.
  Quote the score of a seed the suite was not worked against: a sample whose survivors were
  killed one by one overstates it (round 6 in docs/plugin-authors/conformance.md: 64-93 % on the
  seed worked against, 23-67 % on a fresh one; round 7, with the recorded behaviour of suite 1.7:
  67-92 % on a held-out seed). Work against one seed, report on a new one.
- Results are cached in ``--work`` (default ``.mutation/``): one cosmic-ray session per target,
  named by a digest of the plugin source, the core package (the judge) and the sample options.
  Rerunning resumes where a run stopped; a change to core starts a fresh session.
- ``--jobs J``: targets run J at a time (mutants of one target are sequential because they
  mutate the same copy). Mutant runs get ``OMP_NUM_THREADS=1``.

Equivalent mutants (no behaviour change is possible) are listed with a reason each in
``benchmarks/conformance_mutation_equivalents.toml``; they are left out of the score. The score
of a target is (killed + timeout) / (killed + timeout + survived), equivalents excluded.
Every survivor not in that list is printed with its diff: a blind spot of the suite.

One kind of equivalent is found automatically and never run: a mutant that changes only
annotations (``seed: int | None`` -> ``seed: int * None``, a return annotation) of a module that
starts with ``from __future__ import annotations``, where annotations stay unevaluated strings.
Before sampling, each mutant that starts on an annotation's line is applied in memory (cosmic-ray's
``mutate_code``, no file touched) and the two modules are compared with ``ast`` once every
annotation is stripped (``annotation_only`` says why that is sound, and where it would not be).
They are recorded in the session as skipped, counted per file in the summary
(``annotation_equivalents``; ``population`` has the whole count) and in the table's ``annot`` column.

Writes the JSON summary to ``--output`` (default ``WORK/summary.json``) and prints a table.
Measured figures are in docs/plugin-authors/conformance.md.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import difflib
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENTS = Path(__file__).with_name("conformance_mutation_equivalents.toml")
REFERENCE = {"gpt": "openzoo-gpt", "bert": "openzoo-bert", "vit": "openzoo-vit", "recsys": "openzoo-recsys"}
TEMPLATE_TASKS = ("text-generation", "text-classification", "image-classification", "recommendation")
#: Operators left out by default: replacing an arithmetic operator with a bitwise, modulo or power
#: one mostly raises TypeError on floats at once; they multiply the mutants without probing anything.
DEFAULT_EXCLUDED = (r"core/ReplaceBinaryOperator_\w+_(RShift|LShift|BitOr|BitAnd|BitXor|Pow|Mod|FloorDiv)$",)
_KILLED, _SURVIVED, _TIMEOUT, _INCOMPETENT = "killed", "survived", "timeout", "incompetent"


@dataclass
class Target:
    """One plugin copy to mutate."""

    #: ``gpt`` or ``template:recommendation``.
    name: str
    #: The distribution ``openzoo conformance`` is run on.
    dist: str
    #: The directory put first on ``PYTHONPATH``.
    path_entry: Path
    #: The import package whose modules are mutated.
    package: Path
    modules: list[Path] = field(default_factory=list)


def _digest(paths: list[Path], *extra: str) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(str(path.name).encode())
        h.update(path.read_bytes())
    for item in extra:
        h.update(item.encode())
    return h.hexdigest()[:16]


def _python_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.py") if "__pycache__" not in p.parts)


def prepare(name: str, work: Path) -> Target:
    """Copy (or render and install) the plugin of ``name`` into ``work/<name>`` and return it."""
    home = work / name.replace(":", "-")
    if name in REFERENCE:
        src = ROOT / "plugins" / REFERENCE[name] / "src"
        (package_src,) = [p for p in src.iterdir() if p.is_dir() and not p.name.endswith(".egg-info")]
        copy = home / "src"
        if copy.exists():
            shutil.rmtree(copy)
        shutil.copytree(package_src, copy / package_src.name, ignore=shutil.ignore_patterns("__pycache__"))
        target = Target(name, REFERENCE[name], copy, copy / package_src.name)
    elif name.startswith("template:"):
        target = _render_template(name, home)
    else:
        raise SystemExit(
            f"unknown target {name!r}: use {', '.join(REFERENCE)} or template:TASK ({', '.join(TEMPLATE_TASKS)})"
        )
    target.modules = [p for p in _python_files(target.package) if p.name != "__init__.py"]
    return target


def _render_template(name: str, home: Path) -> Target:
    from openzoo.scaffold import build_request, render_plugin

    task, _, backend = name.partition(":")[2].partition(":")
    if task not in TEMPLATE_TASKS:
        raise SystemExit(f"unknown template task {task!r}: one of {', '.join(TEMPLATE_TASKS)}")
    plugin_name = "mut-" + task.split("-")[0]
    if home.exists():
        shutil.rmtree(home)
    request = build_request("model", plugin_name, task=task, backend=backend or "torch")
    rendered = render_plugin(request, home / "render", defaults=True).path
    site = home / "site"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(rendered),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"installing the render of {name} failed:\n{done.stderr[-2000:]}")
    package = next(p for p in site.iterdir() if p.is_dir() and p.name.startswith("openzoo_") and "-" not in p.name)
    return Target(name, request.dist, site, package)


def _test_command(target: Target) -> str:
    env = {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(target.path_entry), os.environ.get("PYTHONPATH", "")])),
        "OMP_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    script = shlex.quote(str(Path(__file__).resolve()))
    return f"env {assignments} {shlex.quote(sys.executable)} {script} --judge {target.dist}"


class _StopAtFailure(Exception):
    pass


def judge(dist: str) -> int:
    """The test command of every mutant: ``openzoo conformance DIST --strict``, stopped at the first failure.

    It kills exactly the mutants the CLI kills -- exit 0 only when no check failed (required or
    recommended, as ``--strict`` has it), no waived check passed and the verdict is ``passed`` -- but a
    killed mutant costs only the checks up to its first failure, not the whole suite. A survivor runs
    every check, as before. The failure is printed as the CLI prints it (``FAILED component::id: ...``).
    """
    from openzoo.conformance.runner import run_conformance

    def stop(record: Any) -> None:
        if record.status in ("failed", "xpass"):
            raise _StopAtFailure(f"FAILED {record.component}::{record.check}: {record.message}")

    try:
        reports = run_conformance([dist], callback=stop)
    except _StopAtFailure as exc:
        print(exc, file=sys.stderr)
        return 1
    verdicts = {report.plugin: report.verdict for report in reports}
    if not verdicts or any(v != "passed" for v in verdicts.values()):
        print(f"FAILED verdicts {verdicts}", file=sys.stderr)
        return 1
    return 0


#: A WorkResult's ``output`` for a mutant left out before sampling because it only changes annotations.
ANNOTATION_EQUIVALENT = "equivalent (annotation): left out before sampling"
#: Names whose presence in a module means it may read annotations at run time (``typing.get_type_hints``,
#: ``functools.singledispatch`` registering by annotation, class-syntax ``NamedTuple``/``TypedDict``,
#: pydantic, typer, TorchScript): such a module is never classified, whatever its imports.
_READS_ANNOTATIONS = frozenset(
    {
        "__annotations__",
        "get_annotations",
        "get_type_hints",
        "singledispatch",
        "singledispatchmethod",
        "NamedTuple",
        "TypedDict",
        "pydantic",
        "typer",
        "jit",
    }
)
#: What ``dataclasses`` reads of a string annotation to spot ``ClassVar``, ``InitVar`` and ``KW_ONLY``
#: (its ``_MODULE_IDENTIFIER_RE``): kept when an ``AnnAssign``'s annotation is stripped.
_DATACLASS_HEAD = re.compile(r"^(?:\s*(\w+)\s*\.)?\s*(\w+)")


def _postpones_annotations(tree: ast.Module) -> bool:
    """Whether the module starts with ``from __future__ import annotations`` where the compiler honours it.

    A future import must come first (after the docstring and other future imports); ``ast.parse``
    accepts one anywhere, the compiler does not, so only the leading ones count.
    """
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            body = body[1:]
    for statement in body:
        if not (isinstance(statement, ast.ImportFrom) and statement.module == "__future__"):
            return False
        if any(alias.name == "annotations" for alias in statement.names):
            return True
    return False


class _StripAnnotations(ast.NodeTransformer):
    """Drop every annotation that PEP 563 turns into an unevaluated string.

    Arguments (positional-only, plain, keyword-only, ``*args``, ``**kwargs``) and return
    annotations go; an ``AnnAssign`` keeps its target, value and ``simple`` flag, and its annotation
    becomes a constant holding only what ``dataclasses`` reads of the string (see ``_DATACLASS_HEAD``).
    """

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.annotation = None
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.returns = None
        self.generic_visit(node)
        return node

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AsyncFunctionDef:
        node.returns = None
        self.generic_visit(node)
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AnnAssign:
        head = _DATACLASS_HEAD.match(ast.unparse(node.annotation))
        node.annotation = ast.Constant(head.groups() if head else None)
        self.generic_visit(node)
        return node


def _names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.update(node.name.split("."))
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(node.module.split("."))
    return names


def annotation_only(original: str, mutated: str) -> bool:
    """Whether ``mutated`` differs from ``original`` in annotations only, where they are never evaluated.

    True only when both modules start with ``from __future__ import annotations`` (PEP 563: every
    annotation is kept as a string and never evaluated) and their ASTs are equal once annotations
    are stripped (``_StripAnnotations``). A module without the future import evaluates its
    annotations when a ``def`` or a module- or class-level annotated assignment runs (``int * None``
    raises there), so it is never classified. The strings stay visible (``__annotations__``,
    ``inspect.signature``), so this holds only for code nothing reads them in: neither core (the
    judge) nor the reference plugins call ``get_type_hints`` or the like, and a module that names
    such a reader (``_READS_ANNOTATIONS``) is never classified. ``dataclasses`` reads a field's string
    only to spot ``ClassVar``/``InitVar``/``KW_ONLY`` by its leading name; cosmic-ray's default
    operators never change a name, and the stripped ``AnnAssign`` keeps that leading name anyway.
    """
    try:
        before, after = ast.parse(original), ast.parse(mutated)
    except SyntaxError:
        return False
    if not (_postpones_annotations(before) and _postpones_annotations(after)):
        return False
    if _names(before) & _READS_ANNOTATIONS:
        return False
    stripped_before = ast.dump(_StripAnnotations().visit(before))
    stripped_after = ast.dump(_StripAnnotations().visit(after))
    return stripped_before == stripped_after


def _annotation_lines(source: str) -> set[int]:
    """The lines an annotation of ``source`` spans; none where its annotations may be evaluated or read."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    if not _postpones_annotations(tree) or _names(tree) & _READS_ANNOTATIONS:
        return set()
    lines: set[int] = set()
    for node in ast.walk(tree):
        annotations = []
        if isinstance(node, ast.arg | ast.AnnAssign):
            annotations.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            annotations.append(node.returns)
        for annotation in filter(None, annotations):
            lines.update(range(annotation.lineno, (annotation.end_lineno or annotation.lineno) + 1))
    return lines


def mutated_source(source: str, mutation: Any) -> str | None:
    """Apply one cosmic-ray mutation to ``source`` in memory (no file is touched).

    None when it does not apply, or when the operator fails on it (``mutate_and_test`` would
    record that mutant as incompetent).
    """
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator

    try:
        operator = get_operator(mutation.operator_name)(**(mutation.operator_args or {}))
        return mutate_code(source, operator, mutation.occurrence)
    except Exception:  # noqa: BLE001 -- any failure leaves the mutant to be run and judged as before
        return None


def _diff(original: str, mutated: str, path: Path) -> str:
    """The diff ``mutate_and_test`` would record for this mutant (its ``--- mutation diff ---`` format)."""
    lines = difflib.unified_diff(
        original.split("\n"), mutated.split("\n"), fromfile=f"a/{path}", tofile=f"b/{path}", lineterm=""
    )
    return "\n".join(["--- mutation diff ---", *lines])


def annotation_equivalents(items: list[Any]) -> dict[str, str]:
    """Return ``{job_id: diff}`` of the work items whose mutant only changes never-evaluated annotations.

    Only mutants that start on a line an annotation spans are applied (in memory, parso) and compared
    (``annotation_only``); any other mutant changes something besides an annotation.
    """
    from cosmic_ray.util import read_python_source

    modules: dict[Path, tuple[str, set[int]]] = {}
    found = {}
    for item in items:
        mutation = item.mutations[0]
        path = Path(mutation.module_path)
        if path not in modules:
            source = read_python_source(path)
            modules[path] = source, _annotation_lines(source)
        source, lines = modules[path]
        if mutation.start_pos[0] not in lines:
            continue
        mutated = mutated_source(source, mutation)
        if mutated is not None and annotation_only(source, mutated):
            found[item.job_id] = _diff(source, mutated, path)
    return found


def _baseline(target: Target, command: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(shlex.split(command), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        failed = [line for line in done.stderr.splitlines() if line.startswith("FAILED")]
        raise RuntimeError(f"{target.name}: the unmutated plugin fails conformance:\n" + "\n".join(failed[:10]))
    return seconds


def _sort_key(item: Any) -> tuple[str, str, int]:
    mutation = item.mutations[0]
    return (str(mutation.module_path), mutation.operator_name, mutation.occurrence)


#: Part of a session's key: how the sampled population is drawn (sessions from before the
#: annotation equivalents were left out drew from another population, so they are not reused).
_POPULATION = "annotation-equivalents-left-out"


def _session(target: Target, args: argparse.Namespace, work: Path) -> Path:
    import importlib.util

    spec = importlib.util.find_spec("openzoo")
    judge = _python_files(Path(spec.origin).parent if spec and spec.origin else ROOT / "core" / "openzoo")
    key = _digest(target.modules, _digest(judge), str(args.sample), str(args.seed), *args.exclude, _POPULATION)
    return work / target.name.replace(":", "-") / f"session-{key}.sqlite"


def run_target(target: Target, args: argparse.Namespace, work: Path, log: Any) -> dict[str, Any]:
    """Initialise (or resume) the target's cosmic-ray session, run its pending mutants, summarise."""
    from cosmic_ray.commands.init import init
    from cosmic_ray.mutating import mutate_and_test
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    command = _test_command(target)
    session = _session(target, args, work)
    fresh = not session.exists()
    baseline, timeout = 0.0, args.timeout
    with use_db(str(session), WorkDB.Mode.create) as db:
        if fresh:
            init(target.modules, db, {})
            items = sorted(db.work_items, key=_sort_key)
            excluded = [re.compile(p) for p in args.exclude]
            eligible = [i for i in items if not any(p.search(i.mutations[0].operator_name) for p in excluded)]
            annotations = annotation_equivalents(eligible)  # left out before sampling: they cannot be killed
            eligible = [i for i in eligible if i.job_id not in annotations]
            chosen = eligible
            if args.sample and len(eligible) > args.sample:
                chosen = random.Random(f"{args.seed}:{target.name}").sample(eligible, args.sample)
            keep = {i.job_id for i in chosen}
            skipped = [i.job_id for i in items if i.job_id not in keep and i.job_id not in annotations]
            db.set_multiple_results(skipped, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
            for job_id, diff in annotations.items():  # after the bulk skip: an interrupted start leaves few pending
                result = WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output=ANNOTATION_EQUIVALENT, diff=diff)
                db.set_result(job_id, result)
            if args.carry_kills:
                _carry_kills(target, chosen, db, args.carry_kills)
        pending = sorted(db.pending_work_items, key=_sort_key)
        if pending:  # a finished session is a cache hit: nothing runs, not even the baseline
            baseline = _baseline(target, command)
            timeout = args.timeout or max(60.0, 3 * baseline + 30)
        log(f"{target.name}: baseline {baseline:.1f} s, timeout {timeout:.0f} s, {len(pending)} mutants to run")
        for number, item in enumerate(pending, 1):
            start = time.perf_counter()
            result = mutate_and_test(item.mutations, command, timeout)
            db.set_result(item.job_id, result)
            log(f"{target.name}: {number}/{len(pending)} {_outcome(result)} in {time.perf_counter() - start:.0f} s")
        summary = summarise(target, db, load_equivalents(), args.exclude)
    summary.update(baseline_seconds=round(baseline, 1), timeout_seconds=round(timeout), session=str(session))
    return summary


def _identity(target_package: Path, item: Any) -> tuple[str, str, int]:
    mutation = item.mutations[0]
    return (
        str(Path(mutation.module_path).relative_to(target_package.parent)),
        mutation.operator_name,
        mutation.occurrence,
    )


def _carry_kills(target: Target, chosen: list[Any], db: Any, previous: Path) -> None:
    """Copy killed and timed-out results of the same mutants from an earlier run's session of this target.

    Sound only when the suite of this run is a superset of the earlier one (no check removed
    or weakened): a mutant it killed then is killed now. Survivors are run again, and so is every
    mutant of a module whose source changed since (its mutants' occurrences may name other code).
    """
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkResult

    sessions = sorted(
        (previous / target.name.replace(":", "-")).glob("session-*.sqlite"), key=lambda p: p.stat().st_mtime
    )
    if not sessions:
        return
    with use_db(str(sessions[-1]), WorkDB.Mode.open) as old:
        old_package = Path(next(iter(old.work_items)).mutations[0].module_path)
        while old_package.parent.name not in ("src", "site"):
            old_package = old_package.parent
        killed = {
            _identity(old_package, item): result
            for item, result in old.completed_work_items
            if _outcome(result) in (_KILLED, _TIMEOUT)
        }

    def same_source(identity: tuple[str, str, int]) -> bool:  # a changed module shifts occurrences: run again
        before, now = old_package.parent / identity[0], target.package.parent / identity[0]
        return before.is_file() and now.is_file() and before.read_bytes() == now.read_bytes()

    for item in chosen:
        identity = _identity(target.package, item)
        result = killed.get(identity) if same_source(identity) else None
        if result is not None:
            db.set_result(
                item.job_id,
                WorkResult(
                    worker_outcome=result.worker_outcome,
                    output=f"carried from {sessions[-1]}: {result.output}",
                    test_outcome=result.test_outcome,
                    diff=result.diff,
                ),
            )


def _outcome(result: Any) -> str:
    if result.test_outcome is None:
        return "skipped"
    if result.test_outcome == "incompetent":
        return _INCOMPETENT
    if result.test_outcome == "killed":
        return _TIMEOUT if (result.output or "").endswith(": timeout") or result.output == "timeout" else _KILLED
    return _SURVIVED


def mutated_lines(diff: str) -> str:
    """Return the added lines of a cosmic-ray diff, stripped and joined: a mutant's identity.

    A mutant that only deletes (a removed decorator) is ``removed: <the deleted lines>``.
    """
    lines = diff.splitlines()
    added = [line[1:].strip() for line in lines if line.startswith("+") and not line.startswith("+++")]
    if any(added):
        return " | ".join(added)
    removed = [line[1:].strip() for line in lines if line.startswith("-") and not line.startswith("---")]
    return "removed: " + " | ".join(r for r in removed if r)


def load_equivalents(path: Path = EQUIVALENTS) -> list[dict[str, str]]:
    """Return the triaged equivalent mutants; every entry needs target, file, operator, mutant and reason."""
    if not path.exists():
        return []
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", [])
    for entry in entries:
        missing = [k for k in ("target", "file", "operator", "mutant", "reason") if not str(entry.get(k, "")).strip()]
        if missing:
            raise SystemExit(f"{path}: an equivalent-mutant entry lacks {missing}: {entry}")
    return entries


def summarise(
    target: Target, db: Any, equivalents: list[dict[str, str]], exclude: list[str] | tuple[str, ...] = ()
) -> dict[str, Any]:
    """Count outcomes per file and list survivors (equivalents separated) from a cosmic-ray session.

    ``population`` counts every mutant cosmic-ray enumerated: those of an operator in ``exclude``,
    the annotation equivalents left out before sampling (also per file, in ``annotation_equivalents``),
    the eligible rest the sample is drawn from, and the sample.
    """
    files: dict[str, dict[str, int]] = {}
    annotation_files: dict[str, int] = {}
    survivors, equivalent = [], []
    excluded = [re.compile(p) for p in exclude]
    population = dict.fromkeys(("mutants", "excluded_operators", "annotation_equivalents", "eligible", "sampled"), 0)
    for item in db.work_items:
        population["mutants"] += 1
        population["excluded_operators"] += int(any(p.search(item.mutations[0].operator_name) for p in excluded))
    for item, result in db.completed_work_items:
        outcome = _outcome(result)
        mutation = item.mutations[0]
        file = str(Path(mutation.module_path).relative_to(target.package.parent))
        if outcome == "skipped":
            if result.output == ANNOTATION_EQUIVALENT:
                annotation_files[file] = annotation_files.get(file, 0) + 1
            continue
        record = {
            "file": file,
            "line": mutation.start_pos[0],
            "operator": mutation.operator_name,
            "occurrence": mutation.occurrence,
            "mutant": mutated_lines(result.diff or ""),
            "diff": (result.diff or "").replace(str(target.package.parent) + "/", ""),
        }
        if outcome == _SURVIVED:
            match = next(
                (
                    e
                    for e in equivalents
                    if e["target"] == target.name
                    and e["file"] == file
                    and e["operator"] == record["operator"]
                    and e["mutant"] == record["mutant"]
                ),
                None,
            )
            if match is not None:
                outcome = "equivalent"
                equivalent.append({**record, "reason": match["reason"]})
            else:
                survivors.append(record)
        counts = files.setdefault(file, dict.fromkeys((_KILLED, _SURVIVED, _TIMEOUT, _INCOMPETENT, "equivalent"), 0))
        counts[outcome] += 1
    totals = dict.fromkeys((_KILLED, _SURVIVED, _TIMEOUT, _INCOMPETENT, "equivalent"), 0)
    for counts in files.values():
        for key, value in counts.items():
            totals[key] += value
    detected = totals[_KILLED] + totals[_TIMEOUT]
    judged = detected + totals[_SURVIVED]
    population["annotation_equivalents"] = sum(annotation_files.values())
    population["eligible"] = population["mutants"] - population["excluded_operators"]
    population["eligible"] -= population["annotation_equivalents"]
    population["sampled"] = sum(totals.values())
    return {
        "dist": target.dist,
        "population": population,
        "annotation_equivalents": dict(sorted(annotation_files.items())),
        "totals": totals,
        "score": round(detected / judged, 3) if judged else None,
        "files": dict(sorted(files.items())),
        "survivors": sorted(survivors, key=lambda r: (r["file"], r["line"])),
        "equivalent": equivalent,
    }


def _print_report(summary: dict[str, Any], show_diffs: bool) -> None:
    columns = f"{'killed':>6} {'timeout':>7} {'survived':>8} {'equiv':>5} {'incomp':>6}"
    print(f"\n{'target':28} {columns} {'score':>6} {'annot':>5}")
    for name, target in summary["targets"].items():
        if "error" in target:
            print(f"{name:28} ERROR: {target['error'].splitlines()[0]}")
            continue
        t = target["totals"]
        score = "-" if target["score"] is None else f"{target['score']:.0%}"
        annotations = target.get("annotation_equivalents", {})
        print(
            f"{name:28} {t['killed']:6} {t['timeout']:7} {t['survived']:8} {t['equivalent']:5} {t['incompetent']:6}"
            f" {score:>6} {sum(annotations.values()):5}"
        )
        empty = dict.fromkeys((_KILLED, _SURVIVED, _TIMEOUT, _INCOMPETENT, "equivalent"), 0)
        for file in sorted(set(target["files"]) | set(annotations)):
            c = target["files"].get(file, empty)
            print(
                f"  {file:26} {c['killed']:6} {c['timeout']:7} {c['survived']:8} {c['equivalent']:5} {c['incompetent']:6}"
                f" {'':>6} {annotations.get(file, 0):5}"
            )
    print(
        "\nannot: mutants that change only annotations of a module with `from __future__ import annotations`"
        " (never evaluated), left out before sampling; not in the score"
    )
    for name, target in summary["targets"].items():
        for survivor in target.get("survivors", []):
            print(f"\nSURVIVED {name} {survivor['file']}:{survivor['line']} {survivor['operator']}")
            if show_diffs:
                print(survivor["diff"])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--judge"] and len(argv) == 2:  # the test command cosmic-ray runs on each mutant
        return judge(argv[1])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help="gpt bert vit recsys template:TASK[:hf] (default: the four plugins)")
    parser.add_argument("--sample", type=int, default=12, help="mutants per target; 0 runs every mutant (default 12)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    parser.add_argument("--jobs", type=int, default=1, help="targets run at once (default 1)")
    parser.add_argument("--timeout", type=float, default=0, help="seconds per mutant (default 3x baseline + 30)")
    parser.add_argument("--work", type=Path, default=ROOT / ".mutation", help="work and cache directory")
    parser.add_argument("--output", type=Path, help="JSON summary (default WORK/summary.json)")
    parser.add_argument(
        "--exclude", action="append", default=list(DEFAULT_EXCLUDED), help="operator regex to leave out"
    )
    parser.add_argument("--files", help="mutate only modules whose name matches this glob (for quick looks)")
    parser.add_argument(
        "--carry-kills",
        type=Path,
        help="an earlier --work directory: mutants it killed count as killed (the suite only grew); survivors rerun",
    )
    parser.add_argument("--no-diffs", action="store_true", help="do not print survivors' diffs")
    args = parser.parse_args(argv)

    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    targets = [prepare(name, work) for name in (args.targets or list(REFERENCE))]
    if args.files:
        for target in targets:
            target.modules = [m for m in target.modules if m.match(args.files)]

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def one(target: Target) -> tuple[str, dict[str, Any]]:
        try:
            return target.name, run_target(target, args, work, log)
        except RuntimeError as exc:
            return target.name, {"dist": target.dist, "error": str(exc)}

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = dict(pool.map(one, targets))
    from importlib.metadata import version

    summary = {
        "tool": f"cosmic-ray {version('cosmic-ray')}",
        "sample": args.sample,
        "seed": args.seed,
        "excluded_operators": args.exclude,
        "targets": results,
    }
    output = args.output or work / "summary.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_suffix(".tmp")
    temporary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    temporary.replace(output)
    _print_report(summary, not args.no_diffs)
    print(f"\nsummary: {output}")
    return 1 if any("error" in t for t in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
