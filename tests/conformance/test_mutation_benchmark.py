"""The conformance mutation benchmark runs end to end, caches its results, and its equivalents list is valid.

Scores are never asserted here (they belong to the benchmark's output and the docs); this keeps
the script that produces the documented figures working.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "conformance_mutation.py"
sys.path.insert(0, str(SCRIPT.parent))
import conformance_mutation  # noqa: E402

sys.path.remove(str(SCRIPT.parent))


def test_a_mutant_is_identified_by_its_added_lines():
    diff = "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n-    if a < 1:\n+    if a <= 1:\n     pass"
    assert conformance_mutation.mutated_lines(diff) == "if a <= 1:"


def test_every_triaged_equivalent_mutant_names_its_reason():
    entries = conformance_mutation.load_equivalents()
    assert all(entry["reason"].strip() for entry in entries)
    assert len({(e["target"], e["file"], e["operator"], e["mutant"]) for e in entries}) == len(entries)


def test_an_equivalents_entry_without_a_reason_is_refused(tmp_path: Path):
    listed = tmp_path / "equivalents.toml"
    listed.write_text('[[equivalent]]\ntarget = "gpt"\nfile = "a.py"\noperator = "x"\nmutant = "y"\n')
    with pytest.raises(SystemExit, match="lacks \\['reason'\\]"):
        conformance_mutation.load_equivalents(listed)


FUTURE = "from __future__ import annotations\n\n"
ANNOTATED = """
def f(a: int | None, /, b: str | None = None, *args: int | str, c: float | None = 0.5, **kw: int | None) -> list[str] | None:
    value: int | None = 1
    return [str(a), b, str(value)]


class Config:
    size: int | None = None
"""


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("a: int | None,", "a: int * None,"),
        ("b: str | None = None", "b: str + None = None"),
        ("*args: int | str", "*args: int / str"),
        ("c: float | None = 0.5", "c: float - None = 0.5"),
        ("**kw: int | None", "**kw: int * None"),
        ("-> list[str] | None", "-> list[str] * None"),
        ("value: int | None = 1", "value: int + None = 1"),
        ("size: int | None = None", "size: int * None = None"),
    ],
)
def test_an_annotation_only_change_under_the_future_import_is_equivalent(before: str, after: str):
    mutated = ANNOTATED.replace(before, after, 1)
    assert mutated != ANNOTATED
    assert conformance_mutation.annotation_only(FUTURE + ANNOTATED, FUTURE + mutated)
    assert conformance_mutation.annotation_only('"""Doc."""\n' + FUTURE + ANNOTATED, '"""Doc."""\n' + FUTURE + mutated)


def test_an_annotation_change_without_the_future_import_is_not_equivalent():
    mutated = ANNOTATED.replace("a: int | None,", "a: int * None,")
    assert not conformance_mutation.annotation_only(ANNOTATED, mutated)
    late = "import os\n" + FUTURE  # ast.parse accepts it; the compiler refuses a late future import
    assert not conformance_mutation.annotation_only(late + ANNOTATED, late + mutated)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("c: float | None = 0.5", "c: float | None = 1.5"),  # a default value
        ("return [str(a), b, str(value)]", "return [str(a), b]"),  # the body
        ("value: int | None = 1", "value: int | None = 2"),  # an annotated assignment's value
        ("value: int | None = 1", "other: int | None = 1"),  # its target
        ("size: int | None = None", "size: int | None"),  # a class attribute's default dropped
    ],
)
def test_a_change_outside_annotations_is_not_equivalent(before: str, after: str):
    mutated = ANNOTATED.replace(before, after, 1)
    assert mutated != ANNOTATED
    assert not conformance_mutation.annotation_only(FUTURE + ANNOTATED, FUTURE + mutated)


def test_annotations_that_dataclasses_or_introspection_read_are_not_stripped():
    fields = FUTURE + "class C:\n    x: ClassVar[int] = 1\n"
    assert not conformance_mutation.annotation_only(fields, fields.replace("ClassVar", "InitVar"))
    assert conformance_mutation.annotation_only(fields, fields.replace("ClassVar[int]", "ClassVar[int | None]"))
    reads = FUTURE + "from typing import get_type_hints\n" + ANNOTATED
    assert not conformance_mutation.annotation_only(reads, reads.replace("a: int | None,", "a: int * None,"))


def test_annotation_equivalents_are_found_among_cosmic_ray_mutants_and_counted_before_sampling(tmp_path: Path):
    from cosmic_ray.commands.init import init
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    package = tmp_path / "pkg"
    package.mkdir()
    module = package / "mod.py"
    module.write_text(FUTURE + "def f(a: int | None = None) -> int:\n    return (a or 0) | 1\n", encoding="utf-8")
    before = module.read_bytes()
    target = conformance_mutation.Target("t", "d", tmp_path, package, [module])
    with use_db(str(tmp_path / "session.sqlite"), WorkDB.Mode.create) as db:
        init([module], db, {})
        items = list(db.work_items)
        found = conformance_mutation.annotation_equivalents(items)
        assert module.read_bytes() == before  # applied in memory only
        operators = {i.mutations[0].operator_name for i in items if i.job_id in found}
        assert operators and all(o.startswith("core/ReplaceBinaryOperator_BitOr_") for o in operators)
        assert all("a: int" in conformance_mutation.mutated_lines(diff) for diff in found.values())
        body = [i for i in items if i.job_id not in found and i.mutations[0].operator_name in operators]
        assert body and all(i.mutations[0].start_pos[0] == 4 for i in body)  # `| 1` in the body is kept
        for job_id, diff in found.items():
            result = WorkResult(
                worker_outcome=WorkerOutcome.SKIPPED, output=conformance_mutation.ANNOTATION_EQUIVALENT, diff=diff
            )
            db.set_result(job_id, result)
        rest = [i.job_id for i in items if i.job_id not in found]
        db.set_multiple_results(rest, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
        summary = conformance_mutation.summarise(target, db, [], [r"_Pow$"])
    assert summary["annotation_equivalents"] == {"pkg/mod.py": len(found)}
    population = summary["population"]
    assert population["annotation_equivalents"] == len(found) and population["mutants"] == len(items)
    assert population["excluded_operators"] == sum(i.mutations[0].operator_name.endswith("_Pow") for i in items)
    assert population["eligible"] == len(items) - population["excluded_operators"] - len(found)
    assert population["sampled"] == 0 and summary["score"] is None


def _fake_suite(monkeypatch: pytest.MonkeyPatch, statuses: list[tuple[str, str]]) -> list[str]:
    """Make ``run_conformance`` report records of these (status, level) in order; return what it reported."""
    from openzoo.conformance import runner
    from openzoo.conformance.records import CheckRecord, PluginReport

    reported: list[str] = []

    def run_conformance(plugins, *, callback, **_):
        report = PluginReport(plugin=plugins[0], dist=plugins[0], version="0")
        for number, (status, level) in enumerate(statuses):
            record = CheckRecord(component="model:m", check=f"check_{number}", kind="model", level=level, status=status)
            report.records.append(record)
            reported.append(record.check)
            callback(record)
        return [report]

    monkeypatch.setattr(runner, "run_conformance", run_conformance)
    return reported


@pytest.mark.parametrize(
    ("statuses", "code", "ran"),
    [
        ([("passed", "required"), ("xfail", "recommended"), ("passed", "recommended")], 0, 3),
        # stops at the first failure, required or recommended (--strict), or at a waived check that passed
        ([("passed", "required"), ("failed", "recommended"), ("passed", "required")], 1, 2),
        ([("failed", "required"), ("passed", "required")], 1, 1),
        ([("passed", "required"), ("xpass", "recommended"), ("passed", "required")], 1, 2),
        # every required check skipped: the verdict is incomplete, which the CLI fails too
        ([("skipped", "required"), ("passed", "recommended")], 1, 2),
    ],
)
def test_the_judge_stops_at_the_first_failure_and_exits_as_the_strict_cli_does(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], statuses, code, ran
):
    reported = _fake_suite(monkeypatch, statuses)
    assert conformance_mutation.main(["--judge", "openzoo-x"]) == code
    assert len(reported) == ran
    if code:
        assert capsys.readouterr().err.startswith("FAILED ")


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("openzoo_recsys") is None, reason="openzoo-recsys is not installed")
def test_two_sampled_mutants_of_one_file_are_judged_by_conformance_and_cached(tmp_path: Path):
    command = [
        sys.executable,
        str(SCRIPT),
        "recsys",
        "--files",
        "idmap.py",
        "--sample",
        "2",
        "--seed",
        "2",  # the sample holds `!=` -> `==` in the duplicate-id guard, which every id map trips: killed
        "--work",
        str(tmp_path / "work"),
        "--output",
        str(tmp_path / "summary.json"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["tool"].startswith("cosmic-ray ")
    target = summary["targets"]["recsys"]
    totals = target["totals"]
    assert sum(totals.values()) == 2 == target["population"]["sampled"]
    assert totals["killed"] >= 1 and "killed in" in done.stderr  # judged through --judge, stopped at its failure
    assert set(target["annotation_equivalents"]) <= {"openzoo_recsys/idmap.py"}
    assert set(target["files"]) == {"openzoo_recsys/idmap.py"}
    for survivor in target["survivors"]:
        assert survivor["diff"].count("\n+") >= 1 and survivor["file"] == "openzoo_recsys/idmap.py"
    assert "SURVIVED" in done.stdout or totals["survived"] == 0

    again = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "0 mutants to run" in again.stderr
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))["targets"]["recsys"]["totals"] == totals
