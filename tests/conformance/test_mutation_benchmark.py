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
        "0",
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
    assert sum(totals.values()) == 2
    assert set(target["files"]) == {"openzoo_recsys/idmap.py"}
    for survivor in target["survivors"]:
        assert survivor["diff"].count("\n+") >= 1 and survivor["file"] == "openzoo_recsys/idmap.py"
    assert "SURVIVED" in done.stdout or totals["survived"] == 0

    again = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "0 mutants to run" in again.stderr
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))["targets"]["recsys"]["totals"] == totals
