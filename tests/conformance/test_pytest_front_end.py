"""``parametrize_with_checks``: the one-line front end for a plugin's own test suite."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap

from openzoo.conformance import parametrize_with_checks


def test_parametrize_gives_one_readable_id_per_check_and_strict_xfail_for_waivers(registry):
    spec = dataclasses.replace(
        registry.metric("fix-accuracy"),
        factory="ozfix.metrics:float32_only_accuracy",
        expected_failures={"check_metric_dtype_invariant": "float32 only"},
    )
    mark = parametrize_with_checks([spec], registry=registry)
    argname, params = mark.args
    assert argname == "conformance_check"
    ids = [p.id for p in params]
    assert "metric:fix-accuracy::check_metric_known_values" in ids
    waived = next(p for p in params if p.id == "metric:fix-accuracy::check_metric_dtype_invariant")
    (xfail,) = waived.marks
    assert xfail.name == "xfail" and xfail.kwargs == {"strict": True, "reason": "float32 only"}


def test_a_plugin_test_suite_runs_the_whole_suite_in_one_line(fixture_path, tmp_path):
    test_file = tmp_path / "test_conformance.py"
    test_file.write_text(
        textwrap.dedent(f"""
        import importlib, sys
        sys.path.insert(0, {str(fixture_path)!r})
        from openzoo.conformance import parametrize_with_checks
        from openzoo.plugins import PluginSource, load_registry

        REGISTRY = load_registry(
            [PluginSource(name=n, dist="openzoo-fixtures", version="0.1.0", load=lambda m=m: importlib.import_module(m),
                          requires=("openzoo<0.2,>=0.1",), value=m)
             for n, m in [("fixture-base", "ozfix.base"), ("fixture-bad-overlap", "ozfix.bad_overlap")]],
            builtins=False, disabled=(), environ={{}},
        )

        @parametrize_with_checks("fixture-bad-overlap", registry=REGISTRY)
        def test_conformance(conformance_check):
            conformance_check()
    """)
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(test_file), "-q", "-p", "no:cacheprovider", "-rf"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 19 passed" in done.stdout
    assert "dataset:bad-overlap::check_dataset_train_and_test_are_disjoint" in done.stdout
