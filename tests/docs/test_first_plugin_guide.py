"""docs/plugin-authors/first-plugin.md works as written, command by command, from a fresh copy of the repository.

The test copies the repository's files (what a clone holds: git's tracked and untracked,
unignored files) into a temporary directory, makes a fresh virtual environment there (its
own pip; its bundled setuptools removed in favour of the borrowed one),
and runs every ``$ `` line of the guide's ``console`` blocks in order, in the copy's root,
with that environment's ``bin`` first on ``PATH``. Each command must exit 0.

No test reaches the network, so the fresh environment borrows the third-party packages
this environment already has (torch, transformers, copier, pytest, ruff ...) instead of
downloading them: a ``.pth`` file puts a directory of links to them on its path. openzoo
and its plugins are left out of that directory, so ``pip install -e '.[new]'`` and the
plugin's ``pip install`` really install them from the copy (pip runs with ``--no-index``
and without build isolation, finding every dependency satisfied). pip writes console
scripts only for what it installs, so the borrowed ``pytest`` and ``ruff`` get theirs here.

About two to three minutes of CPU (two conformance runs and the rendered plugin's tests
dominate); marked slow, and part of the default run.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugin-authors" / "first-plugin.md"

pytestmark = pytest.mark.slow


def guide_commands(text: str) -> list[str]:
    """Return the ``$ `` lines of the guide's ``console`` blocks, in order, without the prompt."""
    commands = []
    for block in re.findall(r"^```console\n(.*?)^```", text, flags=re.M | re.S):
        commands += [line[2:] for line in block.splitlines() if line.startswith("$ ")]
    return commands


def test_the_guide_installs_from_a_clone_and_checks_what_it_renders():
    commands = guide_commands(GUIDE.read_text())
    assert commands[0].startswith("pip install -e '.[new]'")
    assert any(c.startswith("pip install -e 'plugins/openzoo-my-arch[test]'") for c in commands)
    assert any(c.startswith("pytest plugins/openzoo-my-arch/tests") for c in commands)
    assert any("ruff check ." in c for c in commands)


def _repository_copy(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def _borrowed_packages(dest: Path) -> Path:
    """Return a directory of links to this environment's packages, openzoo's own left out."""
    dest.mkdir()
    purelib = Path(sysconfig.get_paths()["purelib"])
    for entry in purelib.iterdir():
        name = entry.name.lower()
        if name.endswith(".pth") or "openzoo" in name or name == "__pycache__":
            continue
        (dest / entry.name).symlink_to(entry)
    return dest


def _fresh_environment(venv: Path, borrowed: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    bin_dir = venv / "bin"
    probe = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = subprocess.run(
        [str(bin_dir / "python"), "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    Path(purelib, "_borrowed_packages.pth").write_text(f"{borrowed}\n")
    # the venv's own (older) setuptools would shadow the borrowed one torch needs
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "uninstall", "-q", "-y", "setuptools"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    (bin_dir / "pytest").write_text(
        f"#!{bin_dir / 'python'}\nimport sys\nfrom pytest import console_main\nsys.exit(console_main())\n"
    )
    (bin_dir / "pytest").chmod(0o755)
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    (bin_dir / "ruff").symlink_to(ruff)
    return bin_dir


@pytest.mark.skipif(sys.platform == "win32" or shutil.which("git") is None, reason="POSIX shell and git")
def test_every_command_of_the_first_plugin_guide_succeeds_in_a_fresh_environment(tmp_path):
    pytest.importorskip("copier")
    pytest.importorskip("transformers")
    clone = tmp_path / "openzoo"
    _repository_copy(clone)
    bin_dir = _fresh_environment(tmp_path / "venv", _borrowed_packages(tmp_path / "borrowed"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENZOO_", "PIP_", "PYTHON", "VIRTUAL_ENV"))}
    env |= {
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        "VIRTUAL_ENV": str(bin_dir.parent),
        "PIP_NO_INDEX": "1",  # nothing is downloaded: every dependency is already there
        "PIP_NO_BUILD_ISOLATION": "0",  # pip's spelling of --no-build-isolation
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GIT_CEILING_DIRECTORIES": str(tmp_path),
    }
    for command in guide_commands(GUIDE.read_text()):
        done = subprocess.run(
            ["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        assert done.returncode == 0, (
            f"$ {command}\nexited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
        if shlex.split(command)[:2] == ["openzoo", "plugins"]:
            assert re.search(r"^my-arch\s+openzoo-my-arch\s+0\.1\.0\s+ok", done.stdout, flags=re.M), done.stdout
    openzoo = subprocess.run(
        [str(bin_dir / "python"), "-c", "import openzoo; print(openzoo.__file__)"],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert openzoo.startswith(str(clone)), "openzoo must come from the copy the guide installed"
    assert (clone / "summary.md").is_file() and (clone / "runs" / "my-arch" / "model").is_dir()
